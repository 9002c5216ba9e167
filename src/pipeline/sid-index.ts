// `genrec index`: builds the semantic-ID index of a data set (embeddings → quantiser → collision-free codes) from a
// run config's `dataset`, `embeddings` and `sid` sections and saves it as one file that runs can use (`sidIndex`).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildSemanticIdentifier } from '../sid/build.js';
import { cachedItemEmbeddings, saveSidIndex, type SidIndexFile } from '../sid/cache.js';
import type { SemanticIdentifier } from '../sid/identifier.js';
import type { ItemEmbeddings } from '../sid/item-embeddings.js';
import type { NextItemDataset } from '../data/index.js';
import { codeVersion } from '../util/version.js';
import type { RunConfig } from './config.js';
import { loadDatasetFromSpec } from './dataset.js';

export interface SidIndexOutput {
  path: string;
  index: SidIndexFile;
  ids: SemanticIdentifier;
  seconds: number;
}

/** Default file: runs/index/<data set>-<hash of the embeddings and sid sections>.json. */
export function defaultIndexPath(dataset: string, cfg: RunConfig): string {
  const h = createHash('sha256')
    .update(JSON.stringify([cfg.embeddings, cfg.sid]))
    .digest('hex')
    .slice(0, 10);
  return join('runs', 'index', `${dataset}-sid-${h}.json`);
}

/** Semantic IDs of `ds` from the config's `embeddings` (through the cache in `cacheDir`) and `sid` sections. */
export function buildSemanticIds(
  cfg: RunConfig,
  ds: NextItemDataset,
  log?: (l: string) => void,
): { ids: SemanticIdentifier; emb: ItemEmbeddings & { cached: boolean }; seconds: number } {
  const t0 = performance.now();
  const emb = cachedItemEmbeddings(ds.items, ds.train, cfg.embeddings, {
    cacheDir: cfg.cacheDir,
    datasetFingerprint: ds.fingerprint,
    log,
  });
  const ids = buildSemanticIdentifier(ds.items, emb, cfg.sid);
  return { ids, emb, seconds: (performance.now() - t0) / 1000 };
}

export function buildSidIndexFile(
  cfg: RunConfig,
  opts: { out?: string; log?: (l: string) => void } = {},
): SidIndexOutput {
  const ds = loadDatasetFromSpec(cfg.dataset);
  const { ids, emb, seconds } = buildSemanticIds(cfg, ds, opts.log);
  const index: SidIndexFile = {
    format: 'genrec-sid-index',
    version: 1,
    dataset: { name: ds.name, fingerprint: ds.fingerprint, items: ds.items.length },
    embeddings: { source: emb.source, fingerprint: emb.fingerprint, config: cfg.embeddings },
    createdAt: new Date().toISOString(),
    codeVersion: codeVersion().string,
    identifier: ids.toJSON(),
  };
  const path = opts.out || defaultIndexPath(ds.name, cfg);
  saveSidIndex(path, index);
  return { path, index, ids, seconds };
}
