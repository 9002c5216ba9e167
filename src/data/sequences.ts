/**
 * JSONL sequences loader (the MovieLens format of /work/shared/data/README.md). The next-item task splits the
 * sequences with a named protocol (sequences-next-item.ts), the list task cuts them into list windows (lists.ts).
 *
 * `sequences.jsonl`: `{"user": id, "items": [id], "timestamps": [number]}` one user a line; `items` and
 * `timestamps` must have equal length. A sequence not in time order is stably re-sorted (counted in the log).
 * Duplicate users fail. `items.jsonl`: `{"item": id, "title": str, "genres"?: [str]}`; duplicates fail.
 * The catalogue is the union of items.jsonl and the ids in the sequences (buildItemIndex rules).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataError } from './errors.js';
import { buildItemIndex } from './items.js';
import { idField, jsonlFile, timestampField } from './jsonutil.js';
import { readItemMeta } from './interactions.js';
import type { SequenceData, UserSequence } from './types.js';

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

/** A directory in the sequences format: which files to read (see SequencesNextItemOptions / ListSequencesOptions). */
export interface SequencesDirOptions {
  /** Directory holding the files. */
  dir: string;
  /** Sequences file in `dir` (default sequences.jsonl); an absolute path is used as is. */
  sequencesFile?: string;
  /** Items file in `dir` (default items.jsonl when it exists; none: every item is titled "item <id>"). */
  itemsFile?: string;
  /** Data set name (default: the directory's base name). */
  name?: string;
}

/** Loads `dir`'s sequences and items files (the defaults of SequencesDirOptions); returns the sequences file too. */
export function loadSequencesDir(opts: SequencesDirOptions): { data: SequenceData; file: string } {
  const p = (f: string): string => (path.isAbsolute(f) ? f : path.join(opts.dir, f));
  const itemsFile = opts.itemsFile ?? (fs.existsSync(p('items.jsonl')) ? 'items.jsonl' : undefined);
  const file = p(opts.sequencesFile ?? 'sequences.jsonl');
  const data = loadSequences({
    sequences: file,
    items: itemsFile === undefined ? undefined : p(itemsFile),
    name: opts.name ?? path.basename(path.resolve(opts.dir)),
  });
  return { data, file };
}
