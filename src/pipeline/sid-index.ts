// `genrec index`: builds the semantic-ID index of a data set (embeddings → quantiser → collision-free codes) from a
// run config's `dataset`, `embeddings` and `sid` sections and saves it as one file that runs can use (`sidIndex`).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { saveSidIndex, type SidIndexFile } from '../sid/cache.js';
import type { SemanticIdentifier } from '../sid/identifier.js';
import { codeVersion } from '../util/version.js';
import type { RunConfig } from './config.js';
import { loadDatasetFromSpec } from './dataset.js';
import { buildSemanticIds } from './identifiers/sid.js';

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
