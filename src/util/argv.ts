// Command-line options of one command (a `genrec` command, a bench): each declares its own options with their kinds;
// the rest of argv goes to a configuration's flag parser (which knows the config keys and their types), or is an
// error for commands that take no configuration. Every value is checked here, and errors name the option. Rules:
// `--k v` or `--k=v`; a valueless option only for true/false kinds; booleans are exactly true or false; integers are
// checked; an option given twice is an error.

export type OptionKind =
  /** Any non-empty string. */
  | 'string'
  /** Any string, empty included (`--tag ''`). */
  | 'text'
  /** true or false; `--name` alone means true. */
  | 'bool'
  /** An integer ≥ 1. */
  | 'positive'
  /** An integer ≥ 0. */
  | 'count'
  /** One of the listed words. */
  | readonly string[];

/** The value an option of kind `K` parses to. */
export type OptionType<K extends OptionKind> = K extends 'bool'
  ? boolean
  : K extends 'positive' | 'count'
    ? number
    : K extends readonly (infer W)[]
      ? W
      : string;

export type OptionKinds = Record<string, OptionKind>;

export interface CommandSpec<O extends OptionKinds = OptionKinds> {
  /** Names the command in errors (`train`, `bench office`). */
  name: string;
  options: O;
  /** Whether other `--key value` flags are accepted (passed on in `configArgv` for a configuration's parser). */
  config: boolean;
  /**
   * Words that are not options (e.g. `genrec report RUN...`): their name in messages and the fewest required. Without
   * it a stray word is an error. With it, a true/false option followed by a word other than true or false takes no value.
   */
  positional?: { name: string; min: number };
}

export type OptionValue = OptionType<OptionKind>;

export interface ParsedArgs<O extends OptionKinds = OptionKinds> {
  /** The command's own options that were given. */
  options: { [K in keyof O]?: OptionType<O[K]> };
  /** Everything else, for the configuration's flag parser. */
  configArgv: string[];
  /** The words that are not options, in order (only for a spec with `positional`; otherwise they are errors). */
  positional?: string[];
}

function convert(cmd: string, name: string, kind: OptionKind, raw: string): OptionValue {
  const bad = (what: string): never => {
    throw new Error(`${cmd}: --${name} must be ${what}, got '${raw}'`);
  };
  if (Array.isArray(kind)) return kind.includes(raw) ? raw : bad(`one of ${kind.join(', ')}`);
  switch (kind) {
    case 'string':
      return raw === '' ? bad('a non-empty value') : raw;
    case 'text':
      return raw;
    case 'bool':
      return raw === 'true' ? true : raw === 'false' ? false : bad('true or false');
    case 'positive':
    case 'count': {
      const min = kind === 'positive' ? 1 : 0;
      if (!/^\d+$/.test(raw)) return bad(`an integer ≥ ${min}`);
      const n = Number(raw);
      return Number.isSafeInteger(n) && n >= min ? n : bad(`an integer ≥ ${min}`);
    }
  }
  return bad('valid');
}

/** Splits `argv` (after the command word) into the command's options and configuration flags. */
export function parseCommandArgs<const O extends OptionKinds>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedArgs<O> {
  const options: Record<string, OptionValue> = {};
  const configArgv: string[] = [];
  const positional: string[] = [];
  const known = Object.keys(spec.options).map((o) => `--${o}`);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if ((!a.startsWith('--') || a === '--') && spec.positional && a !== '--') {
      positional.push(a);
      continue;
    }
    if (!a.startsWith('--') || a === '--') {
      throw new Error(`${spec.name}: unexpected argument '${a}' (options are --name value)`);
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const kind = spec.options[name];
    if (kind === undefined) {
      if (!spec.config) {
        throw new Error(
          `${spec.name}: unknown option --${name}${known.length ? ` (options: ${known.join(', ')})` : ' (it takes none)'}`,
        );
      }
      // a configuration flag, with its value if one follows (the config parser checks both)
      configArgv.push(a);
      if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith('--')) configArgv.push(argv[++i]);
      continue;
    }
    if (name in options) throw new Error(`${spec.name}: --${name} given twice`);
    let raw: string | undefined;
    if (eq > 0) raw = a.slice(eq + 1);
    else if (
      i + 1 < argv.length &&
      !argv[i + 1].startsWith('--') &&
      !(kind === 'bool' && spec.positional && argv[i + 1] !== 'true' && argv[i + 1] !== 'false')
    )
      raw = argv[++i];
    if (raw === undefined) {
      if (kind !== 'bool') throw new Error(`${spec.name}: --${name} needs a value`);
      options[name] = true;
    } else options[name] = convert(spec.name, name, kind, raw);
  }
  if (spec.positional && positional.length < spec.positional.min)
    throw new Error(
      `${spec.name}: needs at least ${spec.positional.min} ${spec.positional.name} argument${spec.positional.min === 1 ? '' : 's'}`,
    );
  return { options: options as ParsedArgs<O>['options'], configArgv, ...(spec.positional ? { positional } : {}) };
}
