/**
 * JSONL sequences loader (the MovieLens format of /work/shared/data/README.md) and the list-wise (BLADE-style)
 * example builder.
 *
 * `sequences.jsonl`: `{"user": id, "items": [id], "timestamps": [number]}` one user a line; `items` and
 * `timestamps` must have equal length. A sequence not in time order is stably re-sorted (counted in the log).
 * Duplicate users fail. `items.jsonl`: `{"item": id, "title": str, "genres"?: [str]}`; duplicates fail.
 * The catalogue is the union of items.jsonl and the ids in the sequences (buildItemIndex rules).
 *
 * List protocol (BLADE §4.1.1: "past 10 items as the user history, the subsequent 10 items as the target list",
 * sliding window; the paper does not state its split, so we record ours):
 * - Per user, cut points p are aligned to the END of the sequence: p = n − T, n − T − stride, … while
 *   p ≥ minHistory. Each cut gives history = items[max(0, p − H) .. p) and targets = items[p .. p + T).
 *   Defaults H = 10, T = 10, stride = 10 (target lists do not overlap), minHistory = 10 (full histories only).
 *   Users with no cut (fewer than minHistory + T interactions) are counted in the log.
 * - `chronological` (default): all windows sorted by the timestamp of their last target (stable), first
 *   floor(0.8·N) train, next floor(0.1·N) valid, rest test.
 * - `leave-last-out`: each user's last window (targets = the last T items) is test, the one before it valid,
 *   the rest train (a user with one window contributes only a test row, with two: valid + test).
 */
import path from 'node:path';
import { DataError } from './errors.js';
import { buildItemIndex, fingerprintOf } from './items.js';
import { idField, jsonlFile, timestampField } from './jsonutil.js';
import { readItemMeta } from './interactions.js';
import type { ListDataset, ListExample, SequenceData, UserSequence } from './types.js';

export interface SequencesOptions {
  /** Path of sequences.jsonl. */
  sequences: string;
  /** Path of items.jsonl (or a `.json` title map). Optional. */
  items?: string;
  /** Data set name (default: the directory's base name). */
  name?: string;
}

/** Loads and validates the JSONL sequence format. */
export function loadSequences(opts: SequencesOptions): SequenceData {
  const file = opts.sequences;
  const log: string[] = [];
  const raw: { user: string; ids: string[]; ts: number[] }[] = [];
  const users = new Set<string>();
  let resorted = 0;
  for (const { line, obj, raw: text } of jsonlFile(file)) {
    const user = idField(obj.user, file, line, 'user', text);
    if (users.has(user)) throw new DataError(file, line, 'user', `duplicate user ${user}`);
    users.add(user);
    if (!Array.isArray(obj.items)) throw new DataError(file, line, 'items', 'expected a JSON list of ids');
    const ids = obj.items.map((x: unknown) => idField(x, file, line, 'items', text));
    if (!Array.isArray(obj.timestamps)) throw new DataError(file, line, 'timestamps', 'expected a JSON list of numbers');
    const ts = obj.timestamps.map((t: unknown) => {
      if (typeof t !== 'number') throw new DataError(file, line, 'timestamps', `expected numbers, found ${JSON.stringify(t)}`);
      return timestampField(t, file, line, 'timestamps', text);
    });
    if (ts.length !== ids.length) {
      throw new DataError(file, line, 'timestamps', `has ${ts.length} entries but items has ${ids.length}`);
    }
    let sorted = true;
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) sorted = false;
    if (!sorted) {
      resorted++;
      const order = ts.map((_t, i) => i).sort((a, b) => ts[a] - ts[b] || a - b);
      raw.push({ user, ids: order.map((i) => ids[i]), ts: order.map((i) => ts[i]) });
    } else raw.push({ user, ids, ts });
  }
  if (raw.length === 0) throw new DataError(file, 1, 'line', 'empty file: expected one JSON object per user');
  if (resorted > 0) log.push(`${resorted} sequences were not in time order: sorted by timestamp (stable)`);
  const meta = opts.items ? readItemMeta(opts.items) : new Map();
  const seen = function* (): Generator<string> {
    for (const r of raw) yield* r.ids;
  };
  const { items, indexOf } = buildItemIndex(meta, seen(), log);
  const sequences: UserSequence[] = raw.map((r) => ({
    user: r.user,
    items: r.ids.map((id) => indexOf.get(id) as number),
    timestamps: r.ts,
  }));
  return { name: opts.name ?? path.basename(path.dirname(path.resolve(file))), items, sequences, log };
}

export interface ListOptions {
  /** History length H (default 10). */
  history?: number;
  /** Target list length T (default 10). */
  targets?: number;
  /** Distance between consecutive cut points (default 10). */
  stride?: number;
  /** Smallest history a window may have (default 10 = full). */
  minHistory?: number;
  /** Split (default `chronological`). */
  split?: 'chronological' | 'leave-last-out';
  /** Train share for `chronological` (default 0.8). */
  trainFraction?: number;
  /** Valid share for `chronological` (default 0.1). */
  validFraction?: number;
}

function posInt(v: number, field: string, min: number): number {
  if (!(Number.isInteger(v) && v >= min)) throw new DataError('(list options)', undefined, field, `must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** Builds list-wise examples and splits (see the module doc for the exact protocol). */
export function listExamples(data: SequenceData, opts: ListOptions = {}): ListDataset {
  const H = posInt(opts.history ?? 10, 'history', 1);
  const T = posInt(opts.targets ?? 10, 'targets', 1);
  const stride = posInt(opts.stride ?? 10, 'stride', 1);
  const minHistory = posInt(opts.minHistory ?? H, 'minHistory', 1);
  const split = opts.split ?? 'chronological';
  const trainF = opts.trainFraction ?? 0.8;
  const validF = opts.validFraction ?? 0.1;
  if (split !== 'chronological' && split !== 'leave-last-out') {
    throw new DataError('(list options)', undefined, 'split', `unknown split "${String(split)}"`);
  }
  if (!(trainF > 0 && validF >= 0 && trainF + validF < 1)) {
    throw new DataError('(list options)', undefined, 'trainFraction/validFraction', 'need train > 0, valid ≥ 0, sum < 1');
  }
  const log = [...data.log];
  const perUser: ListExample[][] = [];
  let noWindow = 0;
  for (const s of data.sequences) {
    const n = s.items.length;
    const ws: ListExample[] = [];
    for (let p = n - T; p >= minHistory; p -= stride) {
      ws.push({
        user: s.user,
        history: s.items.slice(Math.max(0, p - H), p),
        targets: s.items.slice(p, p + T),
        timestamp: s.timestamps[p + T - 1],
      });
    }
    ws.reverse();
    if (ws.length === 0) noWindow++;
    perUser.push(ws);
  }
  if (noWindow > 0) log.push(`${noWindow} users have fewer than ${minHistory} + ${T} interactions: no window`);
  let train: ListExample[] = [];
  let valid: ListExample[] = [];
  let test: ListExample[] = [];
  if (split === 'chronological') {
    const all = perUser.flat();
    const sorted = all
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.timestamp - b.e.timestamp || a.i - b.i)
      .map((x) => x.e);
    const nTrain = Math.floor(trainF * sorted.length);
    const nValid = Math.floor(validF * sorted.length);
    train = sorted.slice(0, nTrain);
    valid = sorted.slice(nTrain, nTrain + nValid);
    test = sorted.slice(nTrain + nValid);
  } else {
    for (const ws of perUser) {
      const k = ws.length;
      if (k >= 1) test.push(ws[k - 1]);
      if (k >= 2) valid.push(ws[k - 2]);
      for (let i = 0; i < k - 2; i++) train.push(ws[i]);
    }
  }
  log.push(`${train.length + valid.length + test.length} list windows: ${train.length} train, ${valid.length} valid, ${test.length} test`);
  const params: Record<string, number | string | boolean> = { history: H, targets: T, stride, minHistory, split };
  if (split === 'chronological') Object.assign(params, { train: trainF, valid: validF });
  return {
    name: data.name,
    items: data.items,
    train,
    valid,
    test,
    protocol: { name: 'blade-list', params },
    fingerprint: fingerprintOf(data.items, [train, valid, test]),
    log,
  };
}
