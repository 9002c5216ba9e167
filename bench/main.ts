// Benchmark entry point: npm run bench -- <name> [--key value ...] (each bench parses its own options with the CLI's
// parser, src/util/argv.ts; see bench/args.ts).
import type { Bench } from './args.js';
import { engineBench } from './engine.js';
import { officeBench, sidBench } from './office.js';
import { sasrecBench } from './sasrec.js';
import { objectivesBench } from './objectives.js';
import { bearBench } from './bear.js';
import { exactBench } from './exact.js';
import { scoringBench } from './scoring.js';
import { figureBench } from './figure.js';

const benches: Record<string, Bench> = {
  engine: engineBench,
  office: officeBench,
  sid: sidBench,
  sasrec: sasrecBench,
  objectives: objectivesBench,
  bear: bearBench,
  exact: exactBench,
  scoring: scoringBench,
  figure: figureBench,
};

const [name, ...rest] = process.argv.slice(2);
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--key value]`);
  process.exit(2);
}
const result = await bench(rest);
console.log(JSON.stringify(result));
