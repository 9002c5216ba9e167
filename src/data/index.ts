/**
 * Data layer entry point: `loadDataset(spec)` for the three next-item sources, and `datasetStats(ds)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from './errors.js';
import { loadInteractions, type InteractionsOptions } from './interactions.js';
import { loadWindows, type WindowsOptions } from './windows.js';
import { loadSequencesNextItem, type SequencesNextItemOptions } from './sequences-next-item.js';
import type { NextItemDataset } from './types.js';

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
export { loadSequences, listExamples, type SequencesOptions, type ListOptions } from './sequences.js';
export {
  loadInteractions,
  readInteractions,
  readItemMeta,
  kcoreFilter,
  toSequences,
  type Interaction,
  type InteractionsOptions,
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

/** Names of the data sets shipped in the repository's `data/` folder. */
export type EmbeddedName = 'office-mini';
export const EMBEDDED_NAMES: readonly EmbeddedName[] = ['office-mini'];

export type DatasetSpec =
  | ({ format: 'windows' } & WindowsOptions)
  | ({ format: 'interactions' } & InteractionsOptions)
  | ({ format: 'sequences' } & SequencesNextItemOptions)
  | { format: 'embedded'; name?: EmbeddedName };

/**
 * Finds `data/<name>/` of the embedded set: walks up from this module's directory (src/data or dist/src/data)
 * to the first directory with a package.json that holds `data/<name>/`; then the same from the working directory.
 */
export function embeddedDir(name: EmbeddedName = 'office-mini'): string {
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  const tried: string[] = [];
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, 'package.json'))) {
        const cand = path.join(dir, 'data', name);
        tried.push(cand);
        if (fs.existsSync(path.join(cand, 'train.csv'))) return cand;
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
      const name = spec.name ?? 'office-mini';
      if (!EMBEDDED_NAMES.includes(name)) {
        throw new DataError('(spec)', undefined, 'name', `unknown embedded data set "${String(name)}" (known: ${EMBEDDED_NAMES.join(', ')})`);
      }
      return loadWindows({ dir: embeddedDir(name), name });
    }
    default: {
      const f: unknown = (spec as { format: unknown }).format;
      throw new DataError('(spec)', undefined, 'format', `unknown format ${JSON.stringify(f)} (known: windows, interactions, sequences, embedded)`);
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
