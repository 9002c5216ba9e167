// Benchmark entry point: npm run bench -- <name> [--key value ...] [--smoke] (each bench parses its own options with
// the CLI's parser, src/util/argv.ts; every bench takes --smoke, a quick end-to-end run: see bench/args.ts).
import { BENCHES } from './registry.js';

const [name, ...rest] = process.argv.slice(2);
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [--key value] [--smoke]`);
  process.exit(2);
}
const result = await bench(rest);
console.log(JSON.stringify(result));
