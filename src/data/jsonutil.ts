/** Small helpers for reading JSON / JSONL files with line-accurate DataErrors. */
import { DataError } from './errors.js';
import type { ItemMeta } from './items.js';
import { decimalProblem, quoteValue } from './numbers.js';
import { readText, readTextChunks } from './textfile.js';

/** 1-based line number of a character offset. */
function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  let i = text.indexOf('\n');
  while (i >= 0 && i < offset) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

/** Parses a whole-file JSON document; a syntax error reports the line where the parser stopped. */
function parseJsonFile(text: string, file: string): unknown {
  if (text.trim() === '') throw new DataError(file, 1, 'document', 'empty file: expected JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    const line = m ? lineOfOffset(text, Number(m[1])) : undefined;
    throw new DataError(file, line, 'document', `invalid JSON (${msg})`);
  }
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

function skipWs(text: string, i: number): number {
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** Index just after the JSON string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j + 1;
  }
  return text.length;
}

/** Index just after the JSON value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 34) return stringEnd(text, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === 34) j = stringEnd(text, j) - 1;
      else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === 44 || d === 125 || d === 93 || isWs(d)) break;
    j++;
  }
  return j;
}

/**
 * The keys of a JSON text's top-level object in file order, each with the offset of its opening quote (decoded:
 * `"\u0041"` is `A`). The text must be valid JSON (call after JSON.parse succeeded); [] when it is not an object.
 * JSON.parse keeps only the last of duplicated keys: this is how duplicates are found.
 */
function jsonTopLevelKeys(text: string): { key: string; offset: number }[] {
  const keys: { key: string; offset: number }[] = [];
  let i = skipWs(text, 0);
  if (text.charCodeAt(i) !== 123) return keys;
  i = skipWs(text, i + 1);
  while (i < text.length && text.charCodeAt(i) === 34) {
    const end = stringEnd(text, i);
    keys.push({ key: JSON.parse(text.slice(i, end)) as string, offset: i });
    i = skipWs(text, end);
    i = skipWs(text, i + 1); // ':'
    i = skipWs(text, valueEnd(text, i));
    if (text.charCodeAt(i) !== 44) break;
    i = skipWs(text, i + 1);
  }
  return keys;
}

/**
 * Reads an `{"<item id>": "<title>"}` map (the BEAR `id2name4Rec.json` format). A non-string title or a key given
 * twice fails naming the line of the key.
 */
export function readTitleMap(file: string): Map<string, ItemMeta> {
  const text = readText(file);
  const doc = parseJsonFile(text, file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new DataError(file, 1, 'document', 'expected a JSON object {"<item id>": "<title>"}');
  }
  const values = new Map<string, unknown>(Object.entries(doc));
  const firstAt = new Map<string, number>();
  const out = new Map<string, ItemMeta>();
  for (const { key, offset } of jsonTopLevelKeys(text)) {
    const prev = firstAt.get(key);
    if (prev !== undefined) {
      throw new DataError(file, lineOfOffset(text, offset), key, `duplicate key (first at line ${lineOfOffset(text, prev)})`);
    }
    firstAt.set(key, offset);
    const v = values.get(key);
    if (typeof v !== 'string') throw new DataError(file, lineOfOffset(text, offset), key, 'expected a string title');
    out.set(key, { title: v });
  }
  if (out.size !== values.size) {
    // cannot happen for valid JSON; guards the scanner
    throw new DataError(file, undefined, 'document', `read ${out.size} keys of ${values.size}`);
  }
  return out;
}

/** Yields the lines (split at `\n`) of a chunked text with their 1-based numbers; a leading BOM is dropped. */
export function* textLines(chunks: Iterable<string>): Generator<{ line: number; text: string }> {
  let carry = '';
  let line = 0;
  let first = true;
  for (const c of chunks) {
    let s = 0;
    if (first && c.length > 0) {
      first = false;
      if (c.charCodeAt(0) === 0xfeff) s = 1;
    }
    for (;;) {
      const e = c.indexOf('\n', s);
      if (e < 0) {
        carry += c.slice(s);
        break;
      }
      yield { line: ++line, text: carry + c.slice(s, e) };
      carry = '';
      s = e + 1;
    }
  }
  yield { line: ++line, text: carry };
}

export interface JsonlRecord {
  line: number;
  obj: Record<string, unknown>;
  /** The line's text (to quote number tokens as written). */
  raw: string;
}

/** Yields each non-blank line of a chunked JSONL text parsed as an object, with its 1-based line number. */
function* jsonlRecords(chunks: Iterable<string>, file: string): Generator<JsonlRecord> {
  for (const { line, text } of textLines(chunks)) {
    const raw = text.trim();
    if (raw === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      throw new DataError(file, line, 'line', `invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new DataError(file, line, 'line', 'expected a JSON object');
    }
    yield { line, obj: obj as Record<string, unknown>, raw };
  }
}

/** `jsonlRecords` over a whole text. */
export function jsonlObjects(text: string, file: string): Generator<JsonlRecord> {
  return jsonlRecords([text], file);
}

/** `jsonlRecords` over a file read in chunks (see textfile.ts). */
export function jsonlFile(file: string, chunkSize?: number): Generator<JsonlRecord> {
  return jsonlRecords(readTextChunks(file, chunkSize), file);
}

const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The number token of a JSON text that parses to `v`, as written (`1e400` for Infinity, `12345678901234567890`
 * for its rounded value); strings are skipped. Undefined when not found.
 */
function numberToken(raw: string, v: number): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 34) {
      i = stringEnd(raw, i) - 1;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER_TOKEN.lastIndex = i;
      const m = NUMBER_TOKEN.exec(raw);
      if (!m) continue;
      if (Number(m[0]) === v) return m[0];
      i += m[0].length - 1;
    }
  }
  return undefined;
}

/** Describes a JSON value for an error message; a number as written in `raw` when given. */
function describe(v: unknown, raw?: string): string {
  if (typeof v === 'number') {
    const tok = (raw !== undefined ? numberToken(raw, v) : undefined) ?? String(v);
    if (!Number.isFinite(v)) return `${tok} (not a finite number)`;
    if (Number.isInteger(v) && !Number.isSafeInteger(v)) {
      return `${tok} (not a safe integer: it would be rounded to ${String(v)}; write such an id as a JSON string "${tok}")`;
    }
    if (!Number.isInteger(v)) return `${tok} (not an integer)`;
    return tok;
  }
  if (typeof v === 'string') return quoteValue(v);
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 60 ? s.slice(0, 60) + '…' : s;
}

/**
 * An id field: a safe integer number or a non-empty string (trimmed), returned as a string. Integers above 2^53 − 1
 * fail (JSON.parse has already rounded them: two ids could merge); give them as strings. `raw` (the JSONL line)
 * lets the error quote a number as written.
 */
export function idField(v: unknown, file: string, line: number, field: string, raw?: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw new DataError(file, line, field, `expected an integer or non-empty string id, got ${describe(v, raw)}`);
}

/**
 * A timestamp field: a finite JSON number, or a string holding a strict decimal number (numbers.ts: no spaces,
 * hex, `Infinity` or empty strings).
 */
export function timestampField(v: unknown, file: string, line: number, field: string, raw?: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const problem = decimalProblem(v);
    if (problem === undefined) return Number(v);
    throw new DataError(file, line, field, `expected a numeric timestamp, got ${quoteValue(v)} (${problem})`);
  }
  throw new DataError(file, line, field, `expected a numeric timestamp, got ${describe(v, raw)}`);
}
