/**
 * Generic interaction-log loader: one interaction per row with `user`, `item`, `timestamp`.
 *
 * - Format by extension: `.jsonl` / `.ndjson` = one JSON object per line; anything else = CSV with a header row
 *   (extra columns ignored). Streamed; ids are strings or safe integers (a JSON number id above 2^53 fails: give
 *   it as a string), timestamps strict decimal numbers; a header-only or empty log fails.
 * - Optional titles: `.json` = `{"<item id>": "<title>"}` (BEAR id2name4Rec style); `.jsonl` = objects
 *   `{"item": id, "title": str, "genres"?: [str]}`.
 * - k-core filtering (default k = 5; 0 or 1 = off): repeatedly drop every interaction whose user or item has fewer
 *   than k interactions (duplicates count), until nothing changes; each round's counts are logged.
 * - Each user's interactions are ordered by timestamp (stable: ties keep file order). Users are listed in order of
 *   first appearance in the file.
 * - The catalogue is the items left after k-core (titled items that were filtered out are not kept; counted in
 *   the log), indexed with `buildItemIndex`.
 * - Then a named protocol (protocols.ts; default `bear-windows`) makes the next-item splits, or the list task cuts
 *   the sequences into list windows (lists.ts).
 */
import path from 'node:path';
import { readCsvTable } from './csv.js';
import { DataError } from './errors.js';
import { buildItemIndex, fingerprintOf, type ItemMeta } from './items.js';
import { idField, jsonlFile, readTitleMap, timestampField } from './jsonutil.js';
import { applyProtocol } from './protocols.js';
import type { NextItemDataset, SequenceData, UserSequence } from './types.js';
import { makeInterner } from './textfile.js';

export interface Interaction {
  user: string;
  item: string;
  timestamp: number;
}

/** Which interaction log to read, its titles and its k-core (shared by the next-item and the list loaders). */
export interface InteractionSourceOptions {
  /** The interaction log (CSV with header `user,item,timestamp`, or JSONL objects with those keys). */
  file: string;
  /** Optional titles file (`.json` map or `.jsonl` objects). */
  titles?: string;
  /** k of the k-core filter (default 5; 0 or 1 disables). */
  kcore?: number;
  /** Data set name (default: the file's base name without extension). */
  name?: string;
}

export interface InteractionsOptions extends InteractionSourceOptions {
  /** Protocol name (default `bear-windows`). */
  protocol?: string;
  /** Overrides of the protocol's numeric parameters (e.g. `{ window: 11, train: 0.8, valid: 0.1 }`). */
  protocolParams?: Record<string, number>;
}

/** Reads an interaction log (CSV or JSONL, by extension), streaming the file. An empty or header-only log fails. */
export function readInteractions(file: string): Interaction[] {
  const ext = path.extname(file).toLowerCase();
  const out: Interaction[] = [];
  const intern = makeInterner();
  if (ext === '.jsonl' || ext === '.ndjson') {
    for (const { line, obj, raw } of jsonlFile(file)) {
      out.push({
        user: intern(idField(obj.user, file, line, 'user', raw)),
        item: intern(idField(obj.item, file, line, 'item', raw)),
        timestamp: timestampField(obj.timestamp, file, line, 'timestamp', raw),
      });
    }
    if (out.length === 0) throw new DataError(file, 1, 'line', 'empty file: expected JSON objects');
    return out;
  }
  readCsvTable(file, ['user', 'item', 'timestamp'], (r, t) => {
    out.push({
      user: intern(idField(r.fields[t.col.get('user') as number], file, r.line, 'user')),
      item: intern(idField(r.fields[t.col.get('item') as number], file, r.line, 'item')),
      timestamp: timestampField(r.fields[t.col.get('timestamp') as number], file, r.line, 'timestamp'),
    });
  });
  if (out.length === 0) throw new DataError(file, undefined, undefined, 'no data rows (header only)');
  return out;
}

/** Reads item metadata from a `.json` title map or `.jsonl` item objects. */
export function readItemMeta(file: string): Map<string, ItemMeta> {
  if (path.extname(file).toLowerCase() === '.json') return readTitleMap(file);
  const out = new Map<string, ItemMeta>();
  for (const { line, obj, raw } of jsonlFile(file)) {
    const id = idField(obj.item, file, line, 'item', raw);
    if (out.has(id)) throw new DataError(file, line, 'item', `duplicate item id ${id}`);
    if (typeof obj.title !== 'string') throw new DataError(file, line, 'title', 'expected a string title');
    const meta: ItemMeta = { title: obj.title };
    if (obj.genres !== undefined) {
      if (!Array.isArray(obj.genres) || !obj.genres.every((g) => typeof g === 'string')) {
        throw new DataError(file, line, 'genres', 'expected a list of strings');
      }
      meta.genres = obj.genres as string[];
    }
    out.set(id, meta);
  }
  return out;
}

/**
 * Iterated k-core: drops interactions of users or items with fewer than k interactions until stable.
 * Returns the kept rows (original order) and one log line per round that removed something.
 */
export function kcoreFilter<T extends { user: string; item: string }>(rows: readonly T[], k: number): { rows: T[]; log: string[] } {
  if (!(Number.isInteger(k) && k >= 0)) throw new DataError('(spec)', undefined, 'kcore', `must be an integer ≥ 0, got ${k}`);
  const log: string[] = [];
  let cur = rows.slice();
  if (k <= 1) return { rows: cur, log };
  for (let round = 1; ; round++) {
    const uc = new Map<string, number>();
    const ic = new Map<string, number>();
    for (const r of cur) {
      uc.set(r.user, (uc.get(r.user) ?? 0) + 1);
      ic.set(r.item, (ic.get(r.item) ?? 0) + 1);
    }
    let badUsers = 0;
    let badItems = 0;
    for (const c of uc.values()) if (c < k) badUsers++;
    for (const c of ic.values()) if (c < k) badItems++;
    if (badUsers === 0 && badItems === 0) {
      log.push(`${k}-core stable after ${round - 1} removal rounds: ${cur.length} interactions, ${uc.size} users, ${ic.size} items`);
      return { rows: cur, log };
    }
    const next = cur.filter((r) => (uc.get(r.user) as number) >= k && (ic.get(r.item) as number) >= k);
    log.push(
      `${k}-core round ${round}: ${badUsers} users and ${badItems} items below ${k}; removed ${cur.length - next.length} interactions`,
    );
    cur = next;
  }
}

/** Groups interactions per user (first-appearance order), each sorted by timestamp (stable). */
export function toSequences(rows: readonly Interaction[], indexOf: Map<string, number>): UserSequence[] {
  const byUser = new Map<string, Interaction[]>();
  for (const r of rows) {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(r);
  }
  const out: UserSequence[] = [];
  for (const [user, list] of byUser) {
    const sorted = list.map((r, i) => ({ r, i })).sort((a, b) => a.r.timestamp - b.r.timestamp || a.i - b.i);
    out.push({
      user,
      items: sorted.map((x) => indexOf.get(x.r.item) as number),
      timestamps: sorted.map((x) => x.r.timestamp),
    });
  }
  return out;
}

/**
 * Reads an interaction log, k-core filters it, indexes the kept items and groups them into time-ordered user
 * sequences (the module doc's rules, before any protocol); returns the k used.
 */
export function loadInteractionSequences(opts: InteractionSourceOptions): { data: SequenceData; kcore: number } {
  const log: string[] = [];
  const raw = readInteractions(opts.file);
  log.push(`${raw.length} interactions read from ${path.basename(opts.file)}`);
  const k = opts.kcore ?? 5;
  const filtered = kcoreFilter(raw, k);
  log.push(...filtered.log);
  if (filtered.rows.length === 0) throw new DataError(opts.file, undefined, 'kcore', `the ${k}-core is empty`);
  const meta = opts.titles ? readItemMeta(opts.titles) : new Map<string, ItemMeta>();
  if (opts.titles) log.push(`${meta.size} item titles read from ${path.basename(opts.titles)}`);
  const kept = new Set(filtered.rows.map((r) => r.item));
  const keptMeta = new Map<string, ItemMeta>();
  let titledDropped = 0;
  for (const [id, m] of meta) {
    if (kept.has(id)) keptMeta.set(id, m);
    else titledDropped++;
  }
  if (titledDropped > 0) log.push(`${titledDropped} titled items absent after filtering: not in the catalogue`);
  const { items, indexOf } = buildItemIndex(keptMeta, kept, log);
  const sequences = toSequences(filtered.rows, indexOf);
  const name = opts.name ?? path.basename(opts.file, path.extname(opts.file));
  return { data: { name, items, sequences, log }, kcore: k };
}

/** Loads an interaction log and applies k-core and a named protocol (see the module doc). */
export function loadInteractions(opts: InteractionsOptions): NextItemDataset {
  const { data, kcore } = loadInteractionSequences(opts);
  const log = [...data.log];
  const { items } = data;
  const split = applyProtocol(opts.protocol ?? 'bear-windows', data.sequences, opts.protocolParams ?? {});
  log.push(...split.log);
  const protocol = { name: split.protocol.name, params: { ...split.protocol.params, kcore } };
  return {
    name: data.name,
    items,
    train: split.train,
    valid: split.valid,
    test: split.test,
    protocol,
    fingerprint: fingerprintOf(items, [split.train, split.valid, split.test]),
    log,
  };
}
