// Benchmark entry point: npm run bench -- <name> [--key value ...]
import { runEngineBench } from './engine.js';
import { runOfficeBench, runSidBench } from './office.js';
import { runSasrecBench } from './sasrec.js';
import { runObjectivesBench } from './objectives.js';
import { runBearBench } from './bear.js';
import { runExactBench } from './exact.js';
import { runScoringBench } from './scoring.js';
import { runFigureBench } from './figure.js';

type Bench = (args: Map<string, string>) => Record<string, unknown> | Promise<Record<string, unknown>>;
const benches: Record<string, Bench> = {
  engine: runEngineBench,
  office: runOfficeBench,
  sid: runSidBench,
  sasrec: runSasrecBench,
  objectives: runObjectivesBench,
  bear: runBearBench,
  exact: runExactBench,
  scoring: runScoringBench,
  figure: runFigureBench,
};

function parseArgs(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) m.set(k, v);
    else m.set(k, argv[++i] ?? 'true');
  }
  return m;
}

const [name, ...rest] = process.argv.slice(2);
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--key value]`);
  process.exit(2);
}
const result = await bench(parseArgs(rest));
console.log(JSON.stringify(result));
