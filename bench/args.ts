// Flag checking shared by the benches that take only their own flags (those that forward the rest to the run
// config, e.g. `bench bear`, let the config reject unknown keys instead).

/** Throws, naming the flag, when `args` holds a flag outside `known`. */
export function rejectUnknownFlags(bench: string, args: Map<string, string>, known: Iterable<string>): void {
  const ok = new Set(known);
  for (const k of args.keys())
    if (!ok.has(k))
      throw new Error(`bench ${bench}: unknown flag --${k} (known: ${[...ok].map((x) => `--${x}`).join(', ')})`);
}
