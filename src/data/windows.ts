/**
 * Loader for the BEAR window format: `train.csv`, optional `valid.csv`, `test.csv` and `id2name4Rec.json`.
 *
 * - CSV header must contain `user_id,item_ids,timestamp` (in any order; extra columns such as Toy's `mask`,
 *   `item_titles`, `replaced_item_titles` are ignored; a column name given twice fails). `item_ids` is a JSON list
 *   of integer literals or strings, kept exactly as written (`parseIdList`: no rounding above 2^53); the last id is
 *   the target, the ones before it the history, oldest first. `timestamp` is a strict decimal number. A file with
 *   a header but no data rows fails (`valid.csv: no data rows (header only)`). Files are streamed (csv.ts).
 * - A history longer than `maxHistory` (10) keeps its most recent `maxHistory` ids; the count is logged.
 * - A row whose list has one id (empty history) is kept: history may be empty; the count is logged.
 * - Items: the union of the title map and every id in any split, indexed by `buildItemIndex` (numeric ids in
 *   numeric order). An id without a title is titled `item <id>` and counted in the log.
 * - Validation: `validFile` when given (it must exist); else `valid.csv` when present; else the last
 *   `floor(validFraction * n)` training rows by timestamp (stable sort, so ties keep file order) are moved to valid
 *   (default fraction 0.1; 0 gives an empty valid split). The remaining train rows stay in timestamp order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readCsvTable } from './csv.js';
import { DataError } from './errors.js';
import { buildItemIndex, fingerprintOf } from './items.js';
import { readTitleMap, timestampField } from './jsonutil.js';
import { quoteValue } from './numbers.js';
import { makeInterner } from './textfile.js';
import type { Example, NextItemDataset, ProtocolInfo } from './types.js';
import { sampleRows } from './sample.js';

export interface WindowsOptions {
  /** Directory holding the files. */
  dir: string;
  /** Training file name inside `dir` (default `train.csv`; e.g. `train_10000.csv`). */
  trainFile?: string;
  /** Keep a uniform random sample of this many training rows (before carving validation), as the BEAR paper's code
   * does with its fixed `train_10000.csv` samples; 0 / absent = all rows. Deterministic given `sampleSeed`. */
  trainSample?: number;
  /** Seed of the `trainSample` draw (default 0). */
  sampleSeed?: number;
  /** Test file name (default `test.csv`; e.g. `test_5000.csv`). */
  testFile?: string;
  /** Validation file name; when absent, `valid.csv` is used if present, else validation is carved from train. */
  validFile?: string;
  /** Share of train rows (latest by timestamp) carved into valid when there is no validation file. Default 0.1. */
  validFraction?: number;
  /** Title map file (default `id2name4Rec.json`). */
  titlesFile?: string;
  /** Longest history kept (default 10). */
  maxHistory?: number;
  /** Data set name (default: the directory's base name). */
  name?: string;
}

interface RawRow {
  user: string;
  ids: string[];
  timestamp: number;
}

const REQUIRED = ['user_id', 'item_ids', 'timestamp'] as const;

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Parses an `item_ids` list: `[` ids separated by commas `]` with optional spaces, each id a JSON integer literal
 * (kept as written: never converted to a number, so ids above 2^53 stay exact) or a JSON string (trimmed,
 * non-empty). Anything else (floats, `1e3`, nested values, an empty list) fails naming the element.
 */
export function parseIdList(v: string, file: string, line: number, intern: (s: string) => string = (s) => s): string[] {
  const bad = (why: string): never => {
    throw new DataError(file, line, 'item_ids', `${why}, got ${quoteValue(v)}`);
  };
  let i = 0;
  const n = v.length;
  while (i < n && isSpace(v.charCodeAt(i))) i++;
  if (v.charCodeAt(i) !== 91) bad('expected a non-empty JSON list of ids');
  i++;
  const out: string[] = [];
  for (;;) {
    while (i < n && isSpace(v.charCodeAt(i))) i++;
    if (v.charCodeAt(i) === 93 && out.length === 0) bad('expected a non-empty JSON list of ids');
    let j = i;
    let id: string;
    if (v.charCodeAt(i) === 34) {
      j = i + 1;
      while (j < n && v.charCodeAt(j) !== 34) j += v.charCodeAt(j) === 92 ? 2 : 1;
      if (j >= n) bad('unterminated string in the JSON list of ids');
      let s: unknown;
      try {
        s = JSON.parse(v.slice(i, j + 1));
      } catch {
        s = undefined;
      }
      if (typeof s !== 'string' || s.trim() === '') {
        bad(`expected a JSON list of ids, found element ${v.slice(i, j + 1)} (ids must be integers or non-empty strings)`);
      }
      id = (s as string).trim();
      j++;
    } else {
      while (j < n) {
        const c = v.charCodeAt(j);
        if (c === 44 || c === 93 || isSpace(c)) break;
        j++;
      }
      const tok = v.slice(i, j);
      if (!/^-?(?:0|[1-9]\d*)$/.test(tok)) {
        bad(`expected a JSON list of ids, found element ${tok === '' ? '(nothing)' : tok} (ids must be integers or strings)`);
      }
      id = tok;
    }
    out.push(intern(id));
    i = j;
    while (i < n && isSpace(v.charCodeAt(i))) i++;
    const c = v.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    if (c === 93) {
      i++;
      break;
    }
    bad('expected a JSON list of ids (a comma or `]` after each id)');
  }
  while (i < n && isSpace(v.charCodeAt(i))) i++;
  if (i < n) bad('expected a JSON list of ids (text after `]`)');
  return out;
}

/** Reads one window CSV into raw rows (ids still as strings). A header-only file fails. */
export function readWindowCsv(file: string, intern: (s: string) => string = makeInterner()): RawRow[] {
  const out: RawRow[] = [];
  readCsvTable(file, REQUIRED, (r, table) => {
    const user = r.fields[table.col.get('user_id') as number].trim();
    if (user === '') throw new DataError(file, r.line, 'user_id', 'empty user id');
    out.push({
      user: intern(user),
      ids: parseIdList(r.fields[table.col.get('item_ids') as number], file, r.line, intern),
      timestamp: timestampField(r.fields[table.col.get('timestamp') as number], file, r.line, 'timestamp'),
    });
  });
  if (out.length === 0) throw new DataError(file, undefined, undefined, 'no data rows (header only)');
  return out;
}

/** Loads a BEAR-format directory (see the module doc for every rule). */
export function loadWindows(opts: WindowsOptions): NextItemDataset {
  const trainFile = opts.trainFile ?? 'train.csv';
  const testFile = opts.testFile ?? 'test.csv';
  const titlesFile = opts.titlesFile ?? 'id2name4Rec.json';
  const maxHistory = opts.maxHistory ?? 10;
  const validFraction = opts.validFraction ?? 0.1;
  if (!(validFraction >= 0 && validFraction < 1)) {
    throw new DataError(opts.dir, undefined, 'validFraction', `must be in [0, 1), got ${validFraction}`);
  }
  if (!(Number.isInteger(maxHistory) && maxHistory >= 1)) {
    throw new DataError(opts.dir, undefined, 'maxHistory', `must be a positive integer, got ${maxHistory}`);
  }
  const log: string[] = [];
  const p = (f: string): string => path.join(opts.dir, f);

  const meta = readTitleMap(p(titlesFile));
  const intern = makeInterner();
  let train = readWindowCsv(p(trainFile), intern);
  const test = readWindowCsv(p(testFile), intern);
  const sample = opts.trainSample ?? 0;
  if (!(Number.isInteger(sample) && sample >= 0)) {
    throw new DataError(opts.dir, undefined, 'trainSample', `must be a non-negative integer, got ${sample}`);
  }
  if (sample > 0 && sample < train.length) {
    log.push(`kept a random sample of ${sample} of ${train.length} ${trainFile} rows (seed ${opts.sampleSeed ?? 0})`);
    train = sampleRows(train, sample, opts.sampleSeed ?? 0);
  }

  let valid: RawRow[];
  let validSource: string;
  const validName = opts.validFile ?? (fs.existsSync(p('valid.csv')) ? 'valid.csv' : undefined);
  if (validName !== undefined) {
    valid = readWindowCsv(p(validName), intern);
    validSource = validName;
  } else {
    const sorted = train
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.timestamp - b.r.timestamp || a.i - b.i)
      .map((x) => x.r);
    const k = Math.floor(validFraction * sorted.length);
    train = sorted.slice(0, sorted.length - k);
    valid = sorted.slice(sorted.length - k);
    validSource = `carved: last ${validFraction} of ${trainFile} by timestamp`;
    log.push(`no validation file: moved the latest ${k} of ${sorted.length} ${trainFile} rows to valid`);
  }

  const seen: string[] = [];
  for (const rows of [train, valid, test]) for (const r of rows) for (const id of r.ids) seen.push(id);
  const { items, indexOf } = buildItemIndex(meta, seen, log);

  let truncated = 0;
  let emptyHistory = 0;
  const convert = (rows: RawRow[]): Example[] =>
    rows.map((r) => {
      const idx = r.ids.map((id) => indexOf.get(id) as number);
      const target = idx[idx.length - 1];
      let history = idx.slice(0, -1);
      if (history.length > maxHistory) {
        truncated++;
        history = history.slice(history.length - maxHistory);
      }
      if (history.length === 0) emptyHistory++;
      return { user: r.user, history, target, timestamp: r.timestamp };
    });
  const ds = { train: convert(train), valid: convert(valid), test: convert(test) };
  if (truncated > 0) log.push(`${truncated} rows had more than ${maxHistory} history ids: kept the latest ${maxHistory}`);
  if (emptyHistory > 0) log.push(`${emptyHistory} rows have an empty history: kept`);

  const protocol: ProtocolInfo = {
    name: 'bear-windows',
    params: {
      window: maxHistory + 1,
      split: 'files',
      trainFile,
      ...(sample > 0 ? { trainSample: sample, sampleSeed: opts.sampleSeed ?? 0 } : {}),
      testFile,
      valid: validSource,
    },
  };
  return {
    name: opts.name ?? path.basename(path.resolve(opts.dir)),
    items,
    ...ds,
    protocol,
    fingerprint: fingerprintOf(items, [ds.train, ds.valid, ds.test]),
    log,
  };
}
