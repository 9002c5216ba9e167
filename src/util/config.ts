/**
 * Typed, documented, layered configuration.
 *
 * A config is declared once as a schema of fields (each with a type, default, constraints, a doc string and,
 * optionally, the paper it comes from). The value type is inferred from the schema, so call sites never cast:
 *
 * ```ts
 * const TrainConfig = defineConfig('train', {
 *   lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: 'AdamW learning rate.' }),
 *   objective: oneOf(['sft', 'msl', 'bear'], { default: 'msl', doc: 'Training objective.' }),
 * });
 * type TrainConfig = ConfigOf<typeof TrainConfig>; // { lr: number; objective: 'sft' | 'msl' | 'bear' }
 * ```
 *
 * Layers are applied in order (defaults < config file < command-line flags) with {@link ConfigDef.merge};
 * every layer is validated and errors name the dotted key, the offending value and where it came from.
 * Sections nest: a schema entry may itself be a config, addressed with dotted keys (`--train.lr 3e-4`).
 */
import { readFileSync } from 'node:fs';
import { closest } from './suggest.js';

export { closest, editDistance } from './suggest.js';

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
// Field constructors
// ---------------------------------------------------------------------------------------------------------------

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

function makeField<T>(
  type: string,
  opts: FieldDoc & { default: T },
  check: (v: unknown) => T,
  fromString: (raw: string) => T,
  isBool = false,
): Field<T> {
  if (typeof opts.doc !== 'string' || opts.doc.trim() === '')
    throw new Error(`config field of type ${type} needs a doc`);
  let def: T;
  try {
    def = check(opts.default);
  } catch (e) {
    throw new Error(`invalid default ${show(opts.default)} for ${type} field: ${(e as Error).message}`);
  }
  return { kind: 'field', type, default: def, doc: opts.doc, paper: opts.paper, isBool, check, fromString };
}

/** Bounds for numeric fields (inclusive unless the matching `exclusive*` flag is set). */
export interface NumBounds {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

function checkBounds(v: number, b: NumBounds): void {
  if (b.min !== undefined) {
    if (b.exclusiveMin ? !(v > b.min) : !(v >= b.min))
      throw new Error(`must be ${b.exclusiveMin ? '>' : '>='} ${b.min}, got ${v}`);
  }
  if (b.max !== undefined) {
    if (b.exclusiveMax ? !(v < b.max) : !(v <= b.max))
      throw new Error(`must be ${b.exclusiveMax ? '<' : '<='} ${b.max}, got ${v}`);
  }
}

function boundsText(b: NumBounds): string {
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`${b.exclusiveMin ? '>' : '≥'} ${b.min}`);
  if (b.max !== undefined) parts.push(`${b.exclusiveMax ? '<' : '≤'} ${b.max}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function parseNumber(raw: string, what: string): number {
  const t = raw.trim();
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v)) throw new Error(`must be ${what}, got ${JSON.stringify(raw)}`);
  return v;
}

function checkNum(v: unknown, b: NumBounds): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`must be a finite number, got ${show(v)}`);
  checkBounds(v, b);
  return v;
}

function checkInt(v: unknown, b: NumBounds): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`must be an integer, got ${show(v)}`);
  checkBounds(v, b);
  return v;
}

/** A finite floating-point number. */
export function num(opts: FieldDoc & NumBounds & { default: number }): Field<number> {
  const check = (v: unknown): number => checkNum(v, opts);
  return makeField('number' + boundsText(opts), opts, check, (raw) => check(parseNumber(raw, 'a number')));
}

/** A safe integer. */
export function int(opts: FieldDoc & NumBounds & { default: number }): Field<number> {
  const check = (v: unknown): number => checkInt(v, opts);
  return makeField('int' + boundsText(opts), opts, check, (raw) => check(parseNumber(raw, 'an integer')));
}

const TRUE_STRINGS = new Set(['true', '1', 'yes', 'on']);
const FALSE_STRINGS = new Set(['false', '0', 'no', 'off']);

/** A boolean; on the command line `true/false/1/0/yes/no/on/off`, or `--key` / `--no-key`. */
export function bool(opts: FieldDoc & { default: boolean }): Field<boolean> {
  const check = (v: unknown): boolean => {
    if (typeof v !== 'boolean') throw new Error(`must be true or false, got ${show(v)}`);
    return v;
  };
  const fromString = (raw: string): boolean => {
    const t = raw.trim().toLowerCase();
    if (TRUE_STRINGS.has(t)) return true;
    if (FALSE_STRINGS.has(t)) return false;
    throw new Error(`must be true or false, got ${JSON.stringify(raw)}`);
  };
  return makeField('bool', opts, check, fromString, true);
}

/** A string, optionally constrained to match `pattern` / be non-empty. */
export function str(opts: FieldDoc & { default: string; pattern?: RegExp; nonEmpty?: boolean }): Field<string> {
  const check = (v: unknown): string => {
    if (typeof v !== 'string') throw new Error(`must be a string, got ${show(v)}`);
    if (opts.nonEmpty && v === '') throw new Error('must be a non-empty string');
    if (opts.pattern && !opts.pattern.test(v)) throw new Error(`must match ${opts.pattern}, got ${show(v)}`);
    return v;
  };
  return makeField('string', opts, check, check);
}

/** One of a fixed set of strings; the type is the literal union (no `as const` needed). */
export function oneOf<const V extends readonly string[]>(
  values: V,
  opts: FieldDoc & { default: V[number] },
): Field<V[number]> {
  if (values.length === 0) throw new Error('oneOf() needs at least one value');
  const allowed = new Set<string>(values);
  const check = (v: unknown): V[number] => {
    if (typeof v !== 'string' || !allowed.has(v)) {
      const hint = typeof v === 'string' ? closest(v, values) : undefined;
      throw new Error(
        `must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}` +
          (hint ? ` (did you mean '${hint}'?)` : ''),
      );
    }
    return v as V[number];
  };
  return makeField(values.map((x) => `'${x}'`).join(' | '), opts, check, (raw) => check(raw.trim()));
}

interface ListOpts {
  /** Minimum number of elements. */
  minLength?: number;
  /** Maximum number of elements. */
  maxLength?: number;
}

function listField<T>(
  elemType: string,
  opts: FieldDoc & ListOpts & { default: readonly T[] },
  checkElem: (v: unknown) => T,
  parseElem: (raw: string) => T,
  extraType = '',
): Field<T[]> {
  const checkLen = (n: number): void => {
    if (opts.minLength !== undefined && n < opts.minLength)
      throw new Error(`must have at least ${opts.minLength} element(s), got ${n}`);
    if (opts.maxLength !== undefined && n > opts.maxLength)
      throw new Error(`must have at most ${opts.maxLength} element(s), got ${n}`);
  };
  const check = (v: unknown): T[] => {
    if (!Array.isArray(v)) throw new Error(`must be an array of ${elemType}, got ${show(v)}`);
    const out = v.map((x, i) => {
      try {
        return checkElem(x);
      } catch (e) {
        throw new Error(`element [${i}] ${(e as Error).message}`);
      }
    });
    checkLen(out.length);
    return out;
  };
  const fromString = (raw: string): T[] => {
    const t = raw.trim();
    const parts = t === '' ? [] : t.split(',');
    const out = parts.map((p, i) => {
      try {
        return parseElem(p);
      } catch (e) {
        throw new Error(`element [${i}] ${(e as Error).message}`);
      }
    });
    checkLen(out.length);
    return out;
  };
  const field = makeField<T[]>(`${elemType}[]${extraType}`, { ...opts, default: [...opts.default] }, check, fromString);
  // Hand out copies so callers can never mutate the shared default.
  return {
    ...field,
    get default(): T[] {
      return [...(field.default as T[])];
    },
  };
}

/** A list of integers; on the command line comma-separated (`5,10,20`). */
export function intList(opts: FieldDoc & ListOpts & NumBounds & { default: readonly number[] }): Field<number[]> {
  return listField(
    'int',
    opts,
    (v) => checkInt(v, opts),
    (raw) => checkInt(parseNumber(raw, 'an integer'), opts),
    boundsText(opts),
  );
}

/** A list of numbers; on the command line comma-separated. */
export function numList(opts: FieldDoc & ListOpts & NumBounds & { default: readonly number[] }): Field<number[]> {
  return listField(
    'number',
    opts,
    (v) => checkNum(v, opts),
    (raw) => checkNum(parseNumber(raw, 'a number'), opts),
    boundsText(opts),
  );
}

/** A list of strings; on the command line comma-separated (elements are trimmed). */
export function strList(opts: FieldDoc & ListOpts & { default: readonly string[] }): Field<string[]> {
  const check = (v: unknown): string => {
    if (typeof v !== 'string') throw new Error(`must be a string, got ${show(v)}`);
    return v;
  };
  return listField('string', opts, check, (raw) => raw.trim());
}

// ---------------------------------------------------------------------------------------------------------------
// Config definitions
// ---------------------------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function from(source: string | undefined): string {
  return source === undefined ? '' : ` (from ${source})`;
}

function isSection(e: SchemaEntry): e is ConfigDef<unknown> {
  return e.kind === 'config';
}

/** Every field of a schema, flattened to dotted keys, in declaration order. */
function flatten(schema: Schema, prefix = ''): [string, Field<unknown>][] {
  const out: [string, Field<unknown>][] = [];
  for (const [k, e] of Object.entries(schema)) {
    if (isSection(e)) out.push(...flatten(e.schema, prefix + k + '.'));
    else out.push([prefix + k, e]);
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

function escapeMd(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Declare a configuration section. `name` is used in messages (`unknown key 'lr2' in train config`); the keys of
 * nested sections are addressed with dots relative to the outermost config (`train.lr`).
 */
export function defineConfig<const S extends Schema>(name: string, schema: S): ConfigDef<ValueOf<S>> {
  type T = ValueOf<S>;
  for (const key of Object.keys(schema)) {
    if (key === '' || key.includes('.') || key.startsWith('no-'))
      throw new Error(`invalid key '${key}' in ${name} config: keys must be non-empty, without '.' or 'no-' prefix`);
  }
  const flat = flatten(schema);
  const flatMap = new Map(flat);

  /** Validate `override` against `sch` on top of `base`, returning a new object. `path` is the dotted prefix. */
  function layer(
    sch: Schema,
    sectionName: string,
    base: Record<string, unknown>,
    override: unknown,
    path: string,
    source: string | undefined,
  ): Record<string, unknown> {
    const where = path === '' ? name : `${name}.${path.slice(0, -1)}`;
    if (!isPlainObject(override)) {
      throw new ConfigError(
        `${where}: expected an object with ${sectionName} config keys, got ${show(override)}${from(source)}`,
        path.slice(0, -1),
        source,
      );
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(sch)) out[k] = cloneValue(base[k]);
    const known = Object.keys(sch);
    for (const [k, v] of Object.entries(override)) {
      const entry = Object.prototype.hasOwnProperty.call(sch, k) ? sch[k] : undefined;
      if (entry === undefined) {
        const hint = closest(k, known);
        throw new ConfigError(
          `unknown key '${path}${k}' in ${where} config${from(source)}` +
            (hint ? `; did you mean '${path}${hint}'?` : '') +
            `; known keys: ${known.join(', ')}`,
          path + k,
          source,
        );
      }
      if (isSection(entry)) {
        out[k] = layer(entry.schema, entry.name, out[k] as Record<string, unknown>, v, `${path}${k}.`, source);
      } else {
        try {
          out[k] = entry.check(v);
        } catch (e) {
          throw new ConfigError(`${name}.${path}${k}: ${(e as Error).message}${from(source)}`, path + k, source);
        }
      }
    }
    return out;
  }

  function defaultsOf(sch: Schema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(sch)) out[k] = isSection(e) ? defaultsOf(e.schema) : cloneValue(e.default);
    return out;
  }

  const def: ConfigDef<T> = {
    kind: 'config',
    name,
    schema,
    defaults(): T {
      return defaultsOf(schema) as T;
    },
    parse(obj: unknown, source?: string): T {
      return layer(schema, name, defaultsOf(schema), obj, '', source) as T;
    },
    load(path: string): T {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new ConfigError(`cannot read ${name} config file ${path}: ${(e as Error).message}`, '', path);
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw new ConfigError(`invalid JSON in ${name} config file ${path}: ${(e as Error).message}`, '', path);
      }
      return def.parse(obj, path);
    },
    merge(base: T, override: unknown, source?: string): T {
      return layer(schema, name, base as Record<string, unknown>, override, '', source) as T;
    },
    fromFlags(flags: Record<string, string>, source?: string): DeepPartial<T> {
      const out: Record<string, unknown> = {};
      for (const [key, raw] of Object.entries(flags)) {
        const field = flatMap.get(key);
        if (field === undefined) {
          const hint = closest(key, [...flatMap.keys()]);
          const isSectionKey = flat.some(([k]) => k.startsWith(key + '.'));
          throw new ConfigError(
            isSectionKey
              ? `'${key}' is a section of the ${name} config, not a setting${from(source)}; set its keys, e.g. '${
                  flat.find(([k]) => k.startsWith(key + '.'))?.[0]
                }'`
              : `unknown key '${key}' in ${name} config${from(source)}` +
                  (hint ? `; did you mean '${hint}'?` : '') +
                  `; known keys: ${[...flatMap.keys()].join(', ')}`,
            key,
            source,
          );
        }
        let value: unknown;
        try {
          value = field.fromString(raw);
        } catch (e) {
          throw new ConfigError(`${name}.${key}: ${(e as Error).message}${from(source)}`, key, source);
        }
        const parts = key.split('.');
        let node = out;
        for (const p of parts.slice(0, -1)) {
          if (!isPlainObject(node[p])) node[p] = {};
          node = node[p] as Record<string, unknown>;
        }
        node[parts[parts.length - 1]] = value;
      }
      return out as DeepPartial<T>;
    },
    fromArgv(argv: readonly string[], source = 'command line') {
      const flags: Record<string, string> = {};
      const positional: string[] = [];
      for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--') {
          positional.push(...argv.slice(i + 1));
          break;
        }
        if (!a.startsWith('--')) {
          positional.push(a);
          continue;
        }
        const body = a.slice(2);
        const eq = body.indexOf('=');
        let key = eq >= 0 ? body.slice(0, eq) : body;
        let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
        if (!flatMap.has(key) && key.startsWith('no-') && flatMap.get(key.slice(3))?.isBool) {
          if (value !== undefined)
            throw new ConfigError(`--${key} takes no value, got '${value}'${from(source)}`, key.slice(3), source);
          key = key.slice(3);
          value = 'false';
        }
        const field = flatMap.get(key);
        if (value === undefined && field !== undefined) {
          const next = argv[i + 1];
          if (field.isBool) {
            if (next !== undefined && (TRUE_STRINGS.has(next.toLowerCase()) || FALSE_STRINGS.has(next.toLowerCase()))) {
              value = next;
              i++;
            } else value = 'true';
          } else {
            if (next === undefined || (next.startsWith('--') && next !== '--')) {
              throw new ConfigError(`--${key} needs a value (${field.type})${from(source)}`, key, source);
            }
            value = next;
            i++;
          }
        }
        if (key in flags) throw new ConfigError(`--${key} given twice${from(source)}`, key, source);
        flags[key] = value ?? '';
      }
      // fromFlags reports unknown keys (with suggestions) and bad values.
      return { overrides: def.fromFlags(flags, source), positional };
    },
    keys(): string[] {
      return flat.map(([k]) => k);
    },
    docs(): string {
      const lines = ['| key | type | default | description | paper |', '| --- | --- | --- | --- | --- |'];
      for (const [k, f] of flat) {
        const d = f.default;
        const dflt = Array.isArray(d) ? d.join(',') : typeof d === 'string' ? `'${d}'` : String(d);
        lines.push(
          `| \`${escapeMd(k)}\` | ${escapeMd(f.type)} | \`${escapeMd(dflt)}\` | ${escapeMd(f.doc)} | ${escapeMd(
            f.paper ?? '',
          )} |`,
        );
      }
      return lines.join('\n') + '\n';
    },
  };
  return def;
}
