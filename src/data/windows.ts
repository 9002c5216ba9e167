/**
 * Loader for the BEAR window format: `train.csv`, optional `valid.csv`, `test.csv` and `id2name4Rec.json`.
 *
 * - CSV header must contain `user_id,item_ids,timestamp` (in any order; extra columns such as Toy's `mask`,
 *   `item_titles`, `replaced_item_titles` are ignored). `item_ids` is a JSON list; the last id is the target, the
 *   ones before it the history, oldest first.
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
import { parseCsvTable } from './csv.js';
import { DataError } from './errors.js';
import { buildItemIndex, fingerprintOf } from './items.js';
import { readText, readTitleMap, timestampField } from './jsonutil.js';
import type { Example, NextItemDataset, ProtocolInfo } from './types.js';
import { Rng } from '../util/rng.js';

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

function parseIdList(v: string, file: string, line: number): string[] {
  let list: unknown;
  try {
    list = JSON.parse(v);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new DataError(file, line, 'item_ids', `expected a non-empty JSON list of ids, got ${JSON.stringify(v)}`);
  }
  return list.map((x: unknown) => {
    if (typeof x === 'number' && Number.isInteger(x)) return String(x);
    if (typeof x === 'string' && x.trim() !== '') return x.trim();
    throw new DataError(file, line, 'item_ids', `expected a JSON list of ids, found element ${JSON.stringify(x)}`);
  });
}

/** Reads one window CSV into raw rows (ids still as strings). */
export function readWindowCsv(file: string): RawRow[] {
  const table = parseCsvTable(readText(file), file, REQUIRED);
  const cu = table.col.get('user_id') as number;
  const ci = table.col.get('item_ids') as number;
  const ct = table.col.get('timestamp') as number;
  return table.rows.map((r) => {
    const user = r.fields[cu].trim();
    if (user === '') throw new DataError(file, r.line, 'user_id', 'empty user id');
    return { user, ids: parseIdList(r.fields[ci], file, r.line), timestamp: timestampField(r.fields[ct], file, r.line, 'timestamp') };
  });
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
  let train = readWindowCsv(p(trainFile));
  const test = readWindowCsv(p(testFile));
  if (train.length === 0) throw new DataError(p(trainFile), 2, 'item_ids', 'no data rows');
  const sample = opts.trainSample ?? 0;
  if (!(Number.isInteger(sample) && sample >= 0)) {
    throw new DataError(opts.dir, undefined, 'trainSample', `must be a non-negative integer, got ${sample}`);
  }
  if (sample > 0 && sample < train.length) {
    // uniform sample without replacement (partial Fisher–Yates), kept in file order
    const rng = new Rng(opts.sampleSeed ?? 0);
    const idx = Array.from({ length: train.length }, (_, i) => i);
    for (let i = 0; i < sample; i++) {
      const j = i + rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const keep = idx.slice(0, sample).sort((a, b) => a - b);
    log.push(`kept a random sample of ${sample} of ${train.length} ${trainFile} rows (seed ${opts.sampleSeed ?? 0})`);
    train = keep.map((i) => train[i]);
  }
  if (test.length === 0) throw new DataError(p(testFile), 2, 'item_ids', 'no data rows');

  let valid: RawRow[];
  let validSource: string;
  const validName = opts.validFile ?? (fs.existsSync(p('valid.csv')) ? 'valid.csv' : undefined);
  if (validName !== undefined) {
    valid = readWindowCsv(p(validName));
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
