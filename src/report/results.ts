/**
 * Results files: one JSON document per run/evaluation, written atomically, recording what was run (kind, config),
 * on what (dataset name, fingerprint, protocol), with which code (version) and when, plus the metrics.
 */
import { readFile } from 'node:fs/promises';
import { writeJsonAtomic } from '../util/atomic.js';
import { readUtf8File } from '../util/json-file.js';
import { codeVersion } from '../util/version.js';

/** Identifies the evaluation data. */
export interface DatasetInfo {
  name: string;
  /** Content hash of the processed dataset, so results on different data are never compared by mistake. */
  fingerprint: string;
  /** Evaluation protocol, e.g. `leave-one-out, full ranking`. */
  protocol: string;
}

/** What the caller provides. Extra keys are written as-is (after validation that they are JSON-safe). */
export interface ResultsInput {
  /** What produced the results, e.g. `train`, `eval`, `bench`. */
  kind: string;
  config: unknown;
  dataset: DatasetInfo;
  /** Defaults to the current code version (`genrec@0.1.0+abc1234`). */
  codeVersion?: string;
  metrics: Record<string, unknown>;
  [extra: string]: unknown;
}

/** What is written: the input plus a format version and an ISO-8601 timestamp. */
export interface ResultsRecord extends ResultsInput {
  schemaVersion: 1;
  codeVersion: string;
  timestamp: string;
}

/** Convert typed arrays to plain arrays and reject values JSON would silently mangle (NaN, ∞, undefined...). */
function jsonSafe(v: unknown, path: string): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`results: ${path} is ${v}, which JSON cannot represent`);
    return v;
  }
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER))
      throw new Error(`results: ${path} = ${v} is too large for JSON numbers`);
    return Number(v);
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x, i) => jsonSafe(x, `${path}[${i}]`));
  }
  if (Array.isArray(v)) return v.map((x, i) => jsonSafe(x, `${path}[${i}]`));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue; // optional fields: omitted, as JSON.stringify does
      out[k] = jsonSafe(x, `${path}.${k}`);
    }
    return out;
  }
  throw new Error(`results: ${path} has type ${typeof v}, which cannot be written to JSON`);
}

function requireString(obj: Record<string, unknown>, key: string, where: string): void {
  if (typeof obj[key] !== 'string' || obj[key] === '')
    throw new Error(`${where}: '${key}' must be a non-empty string, got ${JSON.stringify(obj[key])}`);
}

function validate(r: Record<string, unknown>, where: string): void {
  requireString(r, 'kind', where);
  requireString(r, 'codeVersion', where);
  const ds = r.dataset;
  if (typeof ds !== 'object' || ds === null || Array.isArray(ds))
    throw new Error(`${where}: 'dataset' must be an object`);
  for (const k of ['name', 'fingerprint', 'protocol'])
    requireString(ds as Record<string, unknown>, k, `${where} dataset`);
  if (typeof r.metrics !== 'object' || r.metrics === null || Array.isArray(r.metrics))
    throw new Error(`${where}: 'metrics' must be an object`);
  if (!('config' in r)) throw new Error(`${where}: 'config' is missing`);
}

/** Write a results file atomically; returns the record written. */
export async function writeResults(path: string, input: ResultsInput, now: Date = new Date()): Promise<ResultsRecord> {
  const record = {
    ...input,
    schemaVersion: 1 as const,
    codeVersion: input.codeVersion ?? codeVersion().string,
    timestamp: now.toISOString(),
  };
  const safe = jsonSafe(record, 'results') as ResultsRecord;
  validate(safe, `results for ${path}`);
  await writeJsonAtomic(path, safe);
  return safe;
}

/** Read and validate a results file; errors name the file and field. */
export async function readResults(path: string): Promise<ResultsRecord> {
  const text = await readFile(path, 'utf8');
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON: ${(e as Error).message}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error(`${path}: expected a JSON object`);
  const r = obj as Record<string, unknown>;
  if (r.schemaVersion !== 1) throw new Error(`${path}: unsupported schemaVersion ${JSON.stringify(r.schemaVersion)}`);
  validate(r, path);
  requireString(r, 'timestamp', path);
  return r as ResultsRecord;
}

/** One epoch of a train results file's `training.history` (what the readers use of it). */
export interface TrainHistoryEntry {
  seconds: number;
  examplesPerSec: number;
  [extra: string]: unknown;
}

/** The results file of a training run (`genrec train`, written by runExperiment): the fields readers rely on. */
export interface TrainResults extends ResultsRecord {
  kind: 'train';
  metrics: { test: Record<string, number>; [extra: string]: unknown };
  perUser: { test: Record<string, number[]> };
  speed: { testUsersPerSec: number; [extra: string]: unknown };
  training: {
    bestEpoch: number;
    /** Absent in files written before it was recorded. */
    secondsPerEpoch?: number;
    examplesPerEpoch?: number;
    history: TrainHistoryEntry[];
    [extra: string]: unknown;
  };
}

/** Throws `<file>: '<field>' must be …` unless `v` is a plain object. */
function objectAt(v: unknown, field: string, file: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${file}: '${field}' must be an object, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v as Record<string, unknown>;
}

function numberAt(v: unknown, field: string, file: string, optional = false): void {
  if (optional && v === undefined) return;
  if (typeof v !== 'number')
    throw new Error(`${file}: '${field}' must be a number, got ${JSON.stringify(v) ?? 'nothing'}`);
}

/**
 * Parses and checks a train results file (`<run>/results.json`) given as `text`: the common fields of every results
 * file, then `kind` 'train', `metrics.test`, `perUser.test`, `speed.testUsersPerSec` and `training` (bestEpoch,
 * history). Errors name the file and the field.
 */
export function parseTrainResults(text: string, file: string): TrainResults {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  const r = objectAt(obj, '(file)', file);
  if (r.schemaVersion !== 1) throw new Error(`${file}: unsupported schemaVersion ${JSON.stringify(r.schemaVersion)}`);
  validate(r, file);
  if (r.kind !== 'train') throw new Error(`${file}: 'kind' must be 'train', got ${JSON.stringify(r.kind)}`);
  const test = objectAt(objectAt(r.metrics, 'metrics', file).test, 'metrics.test', file);
  for (const [k, v] of Object.entries(test)) numberAt(v, `metrics.test.${k}`, file);
  const perUser = objectAt(objectAt(r.perUser, 'perUser', file).test, 'perUser.test', file);
  for (const [k, v] of Object.entries(perUser))
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number'))
      throw new Error(`${file}: 'perUser.test.${k}' must be an array of numbers`);
  numberAt(objectAt(r.speed, 'speed', file).testUsersPerSec, 'speed.testUsersPerSec', file);
  const training = objectAt(r.training, 'training', file);
  numberAt(training.bestEpoch, 'training.bestEpoch', file);
  numberAt(training.secondsPerEpoch, 'training.secondsPerEpoch', file, true);
  numberAt(training.examplesPerEpoch, 'training.examplesPerEpoch', file, true);
  if (!Array.isArray(training.history)) throw new Error(`${file}: 'training.history' must be an array`);
  training.history.forEach((h: unknown, i) => {
    const e = objectAt(h, `training.history[${i}]`, file);
    numberAt(e.seconds, `training.history[${i}].seconds`, file);
    numberAt(e.examplesPerSec, `training.history[${i}].examplesPerSec`, file);
  });
  return r as unknown as TrainResults;
}

/** Reads and checks a train results file (see {@link parseTrainResults}); errors name the file and the field. */
export function readTrainResults(file: string): TrainResults {
  return parseTrainResults(readUtf8File(file), file);
}
