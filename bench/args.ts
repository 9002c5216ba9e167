// The benches' command lines, parsed by the CLI's parser (src/util/argv.ts) with the same rules: each bench declares
// its options with their kinds (`--k v` or `--k=v`, valueless only for true/false options, strict true/false,
// integers checked, duplicates refused, errors naming the flag). A bench that forwards other flags to a
// configuration (`config: true`, e.g. `bench bear` to the run config) lets that configuration's parser check them.
import type { ConfigDef, DeepPartial } from '../src/util/config.js';
import { parseCommandArgs, type OptionKinds, type ParsedArgs } from '../src/util/argv.js';

export type BenchResult = Record<string, unknown> | Promise<Record<string, unknown>>;

/** A bench as `bench/main.ts` runs it: argv (after the bench's name) → its result (the last line, as JSON). */
export type Bench = (argv: readonly string[]) => BenchResult;

/** The bench `name` with its own options (and, with `config`, configuration flags passed on to `run`). */
export function benchCommand<const O extends OptionKinds>(
  name: string,
  options: O,
  config: boolean,
  run: (args: ParsedArgs<O>) => BenchResult,
): Bench {
  return (argv) => run(parseCommandArgs({ name: `bench ${name}`, options, config }, argv));
}

/** The configuration flags of a bench's command line as one layer of `def` (a stray word is an error). */
export function configFlags<T>(def: ConfigDef<T>, args: ParsedArgs<OptionKinds>): DeepPartial<T> {
  const { overrides, positional } = def.fromArgv(args.configArgv, 'bench arguments');
  if (positional.length) throw new Error(`unexpected argument '${positional[0]}' (options are --name value)`);
  return overrides;
}
