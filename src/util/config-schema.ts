/**
 * The shapes of the typed configuration (see ./config.ts): fields, schemas, the value types inferred from them, the
 * declared config (ConfigDef), the error every configuration problem throws, and the helpers its messages share.
 */

/** Thrown for every configuration problem; the message names the key and the source. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** Dotted key of the offending field or section (e.g. `train.lr`). */
    readonly key: string,
    /** Where the value came from (`runs/x.json`, `command line`), if known. */
    readonly source: string | undefined,
  ) {
    super(message);
  }
}

/** Documentation shared by every field. */
export interface FieldDoc {
  /** One-sentence description shown in `docs()` and `--help`. Required: undocumented knobs are a defect. */
  doc: string;
  /** Where the setting / its default comes from, e.g. `BEAR §3.2; searched in [0.1, 5.0]`. */
  paper?: string;
}

/** A single typed configuration field. */
export interface Field<T> {
  readonly kind: 'field';
  /** Human-readable type, used in docs and errors (`number`, `int`, `'sft' | 'msl'`, `int[]`). */
  readonly type: string;
  readonly default: T;
  readonly doc: string;
  readonly paper: string | undefined;
  /** True for booleans: `--flag` without a value means `true`, `--no-flag` means `false`. */
  readonly isBool: boolean;
  /** Validate a JSON value; throws a plain `Error` whose message describes the problem (no key). */
  check(value: unknown): T;
  /** Parse a command-line string; throws a plain `Error` describing the problem. */
  fromString(raw: string): T;
}

/** Anything that can appear in a schema: a field or a nested config section. */
export type SchemaEntry = Field<unknown> | ConfigDef<unknown>;
/** A config schema: key → field or nested section. */
export type Schema = Record<string, SchemaEntry>;

/** The value type described by a schema. */
export type ValueOf<S extends Schema> = {
  -readonly [K in keyof S]: S[K] extends Field<infer T> ? T : S[K] extends ConfigDef<infer U> ? U : never;
};

/** Value type of a config definition: `type TrainConfig = ConfigOf<typeof TrainConfig>`. */
export type ConfigOf<C> = C extends ConfigDef<infer T> ? T : never;

/** Recursive partial of a config value (arrays are replaced whole, never merged element-wise). */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** A declared configuration (section). */
export interface ConfigDef<T> {
  readonly kind: 'config';
  /** Section name used in messages, e.g. `train`. */
  readonly name: string;
  readonly schema: Schema;
  /** A fresh object holding every default (arrays are copies). */
  defaults(): T;
  /** Validate a plain object (e.g. parsed JSON), filling unspecified keys from the defaults. */
  parse(obj: unknown, source?: string): T;
  /** Read and parse a JSON config file; errors name the file. */
  load(path: string): T;
  /**
   * Apply one layer on top of `base`: keys present in `override` replace those in `base` (nested sections are
   * merged key by key, arrays replaced whole). `override` is validated; `base` is not modified.
   */
  merge(base: T, override: unknown, source?: string): T;
  /** Convert `{'train.lr': '3e-4', 'ks': '5,10'}` (dotted keys, string values) into a typed partial layer. */
  fromFlags(flags: Record<string, string>, source?: string): DeepPartial<T>;
  /**
   * Parse `--key value`, `--key=value`, `--bool`, `--no-bool` from argv. Anything not starting with `--`
   * (and everything after a bare `--`) is returned in `positional`. Unknown flags throw.
   */
  fromArgv(argv: readonly string[], source?: string): { overrides: DeepPartial<T>; positional: string[] };
  /** Dotted keys of every field, in declaration order. */
  keys(): string[];
  /** Markdown table: key, type, default, description, paper. */
  docs(): string;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the field constructors, the definitions and the flag parser
// ---------------------------------------------------------------------------------------------------------------

/** A value as messages show it (JSON, shortened to 60 characters). */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

/** A JSON-like object (not an array, typed array or null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** ` (from <source>)` for messages, or '' when the source is unknown. */
export function from(source: string | undefined): string {
  return source === undefined ? '' : ` (from ${source})`;
}
