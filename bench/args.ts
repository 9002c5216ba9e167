// The benches' command lines, parsed by the CLI's parser (src/util/argv.ts) with the same rules: each bench declares
// its options with their kinds (`--k v` or `--k=v`, valueless only for true/false options, strict true/false,
// integers checked, duplicates refused, errors naming the flag). A bench that forwards other flags to a
// configuration (`config: true`, e.g. `bench bear` to the run config) lets that configuration's parser check them.
// Every bench also takes `--smoke` (added here): a run of under 3 minutes on the embedded set (or synthetic inputs)
// with the tiny preset, 1 seed, 1 epoch and few users or steps, whose last line has the full run's top-level keys.
// A smoke run writes only under its own fresh directory runs/smoke/<bench>-<time> (smokeRoot), never runs/bench.
import { join } from 'node:path';
import type { ConfigDef, DeepPartial } from '../src/util/config.js';
import { parseCommandArgs, type OptionKinds, type ParsedArgs } from '../src/util/argv.js';

export type BenchResult = Record<string, unknown> | Promise<Record<string, unknown>>;

/** The option every bench takes: a quick end-to-end check (see above). */
const SMOKE_OPTION = { smoke: 'bool' } as const;
type WithSmoke<O extends OptionKinds> = O & typeof SMOKE_OPTION;
/** The parsed command line of a bench with options `O` (and `smoke`). */
export type BenchArgs<O extends OptionKinds> = ParsedArgs<WithSmoke<O>>;

/** A bench as `bench/main.ts` runs it: argv (after the bench's name) → its result (the last line, as JSON). */
export interface Bench {
  (argv: readonly string[]): BenchResult;
  /** Parses argv only (no work): the bench's options, `smoke` included. */
  parse(argv: readonly string[]): ParsedArgs<OptionKinds>;
}

/** The bench `name` with its own options and `--smoke` (and, with `config`, configuration flags passed on to `run`). */
export function benchCommand<const O extends OptionKinds>(
  name: string,
  options: O,
  config: boolean,
  run: (args: BenchArgs<O>) => BenchResult,
): Bench & { parse(argv: readonly string[]): BenchArgs<O> } {
  if ('smoke' in options) throw new Error(`bench ${name}: --smoke is every bench's own option`);
  const spec = { name: `bench ${name}`, options: { ...options, ...SMOKE_OPTION } as WithSmoke<O>, config };
  const parse = (argv: readonly string[]) => parseCommandArgs(spec, argv);
  return Object.assign((argv: readonly string[]) => run(parse(argv)), { parse });
}

/** A fresh directory for one smoke run of bench `name` (runs/smoke/<name>-<time>; apart from runs/bench). */
export function smokeRoot(name: string): string {
  const dir = join('runs', 'smoke', `${name}-${Date.now()}-${process.pid}`);
  process.stderr.write(`[bench ${name}] smoke run: everything it writes goes under ${dir}\n`);
  return dir;
}

/**
 * The run-config layer of a smoke run (under the bench's flags): tiny preset, one epoch on train + valid without
 * selection on validation, few validation users.
 */
export const SMOKE_RUN = { preset: 'tiny', select: false, trainer: { epochs: 1 }, eval: { validUsers: 50 } } as const;

/** Users a smoke run keeps of the embedded set (all their rows: userSubset), and test rows it diagnoses. */
export const SMOKE_USERS = 100;
export const SMOKE_PRUNE_USERS = 20;

/** The configuration flags of a bench's command line as one layer of `def` (a stray word is an error). */
export function configFlags<T>(def: ConfigDef<T>, args: ParsedArgs<OptionKinds>): DeepPartial<T> {
  const { overrides, positional } = def.fromArgv(args.configArgv, 'bench arguments');
  if (positional.length) throw new Error(`unexpected argument '${positional[0]}' (options are --name value)`);
  return overrides;
}
