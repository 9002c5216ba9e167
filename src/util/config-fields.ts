/**
 * The field constructors of the typed configuration (see ./config.ts): numbers and integers with bounds, booleans,
 * strings, one-of-a-set strings, and lists. Each field validates JSON values (`check`) and command-line strings
 * (`fromString`); a field's default is validated when it is declared.
 */
import { closest } from './suggest.js';
import { show, type Field, type FieldDoc } from './config-schema.js';

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

/** Command-line spellings of true and false (bool fields, and the value after a bare boolean flag). */
export const TRUE_STRINGS = new Set(['true', '1', 'yes', 'on']);
export const FALSE_STRINGS = new Set(['false', '0', 'no', 'off']);

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
