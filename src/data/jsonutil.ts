/** Small helpers for reading JSON / JSONL files with line-accurate DataErrors. */
import fs from 'node:fs';
import { DataError } from './errors.js';
import type { ItemMeta } from './items.js';

/** 1-based line number of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  let i = text.indexOf('\n');
  while (i >= 0 && i < offset) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

/** Reads a UTF-8 file, failing with a DataError (not ENOENT noise) when it is missing. */
export function readText(file: string): string {
  if (!fs.existsSync(file)) throw new DataError(file, undefined, undefined, `file not found (${file})`);
  return fs.readFileSync(file, 'utf8');
}

/** Parses a whole-file JSON document; a syntax error reports the line where the parser stopped. */
export function parseJsonFile(text: string, file: string): unknown {
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

/**
 * Reads an `{"<item id>": "<title>"}` map (the BEAR `id2name4Rec.json` format). A non-string title fails naming
 * the line of its key.
 */
export function readTitleMap(file: string): Map<string, ItemMeta> {
  const text = readText(file);
  const doc = parseJsonFile(text, file);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new DataError(file, 1, 'document', 'expected a JSON object {"<item id>": "<title>"}');
  }
  const out = new Map<string, ItemMeta>();
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string') {
      const at = text.indexOf(JSON.stringify(k));
      throw new DataError(file, at >= 0 ? lineOfOffset(text, at) : undefined, k, 'expected a string title');
    }
    out.set(k, { title: v });
  }
  return out;
}

/** Yields each non-blank line of a JSONL text parsed as an object, with its 1-based line number. */
export function* jsonlObjects(text: string, file: string): Generator<{ line: number; obj: Record<string, unknown> }> {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw = text.slice(start, end).trim();
    start = end + 1;
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
    yield { line, obj: obj as Record<string, unknown> };
  }
}

/** An id field: a non-negative-or-any integer number or a non-empty string, returned as a string. */
export function idField(v: unknown, file: string, line: number, field: string): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw new DataError(file, line, field, `expected an integer or non-empty string id, got ${JSON.stringify(v)}`);
}

/** A timestamp field: a finite number, or a string holding one. */
export function timestampField(v: unknown, file: string, line: number, field: string): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
  if (!Number.isFinite(t)) throw new DataError(file, line, field, `expected a numeric timestamp, got ${JSON.stringify(v)}`);
  return t;
}
