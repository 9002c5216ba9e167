/**
 * Data layer entry point: `loadDataset(spec)` for the next-item sources, `loadListDataset(spec)` for the list
 * task's (lists.ts), the embedded data sets, and `datasetStats(ds)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './errors.js';
import { loadInteractions, type InteractionsOptions } from './interactions.js';
import { loadWindows, type WindowsOptions } from './windows.js';
import { loadSequencesNextItem, type SequencesNextItemOptions } from './sequences-next-item.js';
import {
  loadListInteractions,
  loadListSequences,
  type ListInteractionsOptions,
  type ListSequencesOptions,
  type ListWindowOptions,
} from './lists.js';
import type { ListDataset, NextItemDataset } from './types.js';

export * from './types.js';
export { DataError } from './errors.js';
export {
  parseCsvRows,
  parseCsvChunks,
  parseCsvTable,
  forEachCsvRecord,
  readCsvTable,
  CsvParser,
  type CsvRow,
  type CsvTable,
  type CsvHeader,
} from './csv.js';
export { readTextChunks, readText, textReadSettings } from './textfile.js';
export { parseStrictInt, parseStrictDecimal, intProblem, decimalProblem } from './numbers.js';
export { loadWindows, readWindowCsv, parseIdList, type WindowsOptions } from './windows.js';
export { loadSequences, type SequencesOptions, type SequencesDirOptions } from './sequences.js';
export {
  listWindows,
  listDataset,
  loadListSequences,
  loadListInteractions,
  type ListWindowOptions,
  type ListSequencesOptions,
  type ListInteractionsOptions,
} from './lists.js';
export {
  loadInteractions,
  loadInteractionSequences,
  readInteractions,
  readItemMeta,
  kcoreFilter,
  toSequences,
  type Interaction,
  type InteractionsOptions,
  type InteractionSourceOptions,
} from './interactions.js';
export {
  PROTOCOLS,
  applyProtocol,
  slidingWindows,
  isProtocolName,
  type ProtocolName,
  type SplitResult,
  type BearWindowsParams,
  type LeaveOneOutParams,
} from './protocols.js';
export { buildItemIndex, compareRawIds, fingerprintOf } from './items.js';

/**
 * The data sets shipped in the repository's `data/` folder, by the format of their files: BEAR windows (next-item
 * task only) or JSONL sequences (both tasks). See each folder's README.md.
 */
const EMBEDDED = { 'office-mini': 'windows', 'genre-drift': 'sequences' } as const;
export type EmbeddedName = keyof typeof EMBEDDED;
export const EMBEDDED_NAMES = Object.keys(EMBEDDED) as readonly EmbeddedName[];

export type DatasetSpec =
  | ({ format: 'windows' } & WindowsOptions)
  | ({ format: 'interactions' } & InteractionsOptions)
  | ({ format: 'sequences' } & SequencesNextItemOptions)
  | { format: 'embedded'; name?: EmbeddedName };

/** Where a list-task data set comes from (lists.ts), with its window and split options. */
export type ListDatasetSpec =
  | ({ format: 'sequences' } & ListSequencesOptions)
  | ({ format: 'interactions' } & ListInteractionsOptions)
  | ({ format: 'embedded'; name?: EmbeddedName } & ListWindowOptions);

function checkEmbeddedName(name: string): EmbeddedName {
  if (!(EMBEDDED_NAMES as readonly string[]).includes(name)) {
    throw new DataError('(spec)', undefined, 'name', `unknown embedded data set "${name}" (known: ${EMBEDDED_NAMES.join(', ')})`);
  }
  return name as EmbeddedName;
}

/**
 * Finds `data/<name>/` of an embedded set: walks up from this module's directory (src/data or dist/src/data) to the
 * first directory with a package.json that holds `data/<name>/` (with its train.csv or sequences.jsonl); then the
 * same from the working directory.
 */
export function embeddedDir(name: EmbeddedName = 'office-mini'): string {
  const marker = EMBEDDED[checkEmbeddedName(name)] === 'windows' ? 'train.csv' : 'sequences.jsonl';
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  const tried: string[] = [];
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, 'package.json'))) {
        const cand = path.join(dir, 'data', name);
        tried.push(cand);
        if (fs.existsSync(path.join(cand, marker))) return cand;
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new DataError(`data/${name}`, undefined, undefined, `embedded data set not found (looked in: ${tried.join(', ') || 'no package root found'})`);
}

/** Loads a next-item data set from any supported source. */
export function loadDataset(spec: DatasetSpec): NextItemDataset {
  switch (spec.format) {
    case 'windows':
      return loadWindows(spec);
    case 'interactions':
      return loadInteractions(spec);
    case 'sequences':
      return loadSequencesNextItem(spec);
    case 'embedded': {
      const name = checkEmbeddedName(spec.name ?? 'office-mini');
      const dir = embeddedDir(name);
      return EMBEDDED[name] === 'windows' ? loadWindows({ dir, name }) : loadSequencesNextItem({ dir, name });
    }
    default: {
      const f: unknown = (spec as { format: unknown }).format;
      throw new DataError('(spec)', undefined, 'format', `unknown format ${JSON.stringify(f)} (known: windows, interactions, sequences, embedded)`);
    }
  }
}

/** Loads a list-task data set (lists.ts) from a JSONL sequences directory, an interaction log or an embedded set. */
export function loadListDataset(spec: ListDatasetSpec): ListDataset {
  switch (spec.format) {
    case 'sequences':
      return loadListSequences(spec);
    case 'interactions':
      return loadListInteractions(spec);
    case 'embedded': {
      const { name: given, format: _f, ...opts } = spec;
      const name = checkEmbeddedName(given ?? 'genre-drift');
      if (EMBEDDED[name] !== 'sequences') {
        const lists = EMBEDDED_NAMES.filter((n) => EMBEDDED[n] === 'sequences');
        throw new DataError(`data/${name}`, undefined, undefined, `embedded data set ${name} holds next-item windows, not user sequences: the list task cannot use it (use ${lists.join(', ')})`);
      }
      return loadListSequences({ ...opts, dir: embeddedDir(name), name });
    }
    default: {
      const f: unknown = (spec as { format: unknown }).format;
      throw new DataError('(spec)', undefined, 'format', `unknown format ${JSON.stringify(f)} for the list task (known: sequences, interactions, embedded)`);
    }
  }
}

export interface SplitStats {
  rows: number;
  users: number;
  meanHistoryLength: number;
}

export interface DatasetStats {
  name: string;
  fingerprint: string;
  protocol: string;
  /** Distinct users over all splits. */
  users: number;
  /** Catalogue size. */
  items: number;
  train: SplitStats;
  valid: SplitStats;
  test: SplitStats;
  /** Share of test rows whose target is some train row's target. */
  testTargetSeenAsTrainTarget: number;
  /** Share of test rows whose target occurs anywhere in train (history or target). */
  testTargetSeenInTrain: number;
}

function splitStats(rows: readonly { user: string; history: readonly number[] }[]): SplitStats {
  const users = new Set<string>();
  let h = 0;
  for (const r of rows) {
    users.add(r.user);
    h += r.history.length;
  }
  return { rows: rows.length, users: users.size, meanHistoryLength: rows.length ? h / rows.length : 0 };
}

/** Summary numbers of a data set (see DatasetStats). */
export function datasetStats(ds: NextItemDataset): DatasetStats {
  const users = new Set<string>();
  for (const s of [ds.train, ds.valid, ds.test]) for (const r of s) users.add(r.user);
  const trainTargets = new Set<number>();
  const trainAny = new Set<number>();
  for (const r of ds.train) {
    trainTargets.add(r.target);
    trainAny.add(r.target);
    for (const i of r.history) trainAny.add(i);
  }
  let asTarget = 0;
  let anywhere = 0;
  for (const r of ds.test) {
    if (trainTargets.has(r.target)) asTarget++;
    if (trainAny.has(r.target)) anywhere++;
  }
  const n = ds.test.length || 1;
  return {
    name: ds.name,
    fingerprint: ds.fingerprint,
    protocol: ds.protocol.name,
    users: users.size,
    items: ds.items.length,
    train: splitStats(ds.train),
    valid: splitStats(ds.valid),
    test: splitStats(ds.test),
    testTargetSeenAsTrainTarget: asTarget / n,
    testTargetSeenInTrain: anywhere / n,
  };
}
