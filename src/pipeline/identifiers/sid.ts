// Semantic IDs (TIGER, V-STAR §3.1): item embeddings (cached) → residual quantiser → collision-free codes, built from
// the `embeddings` and `sid` sections, or read from an index file written by `genrec index` (`sidIndex`).
import { performance } from 'node:perf_hooks';
import type { NextItemDataset } from '../../data/index.js';
import { buildSemanticIdentifier, type SidConfig } from '../../sid/build.js';
import { cachedItemEmbeddings, loadSidIndex } from '../../sid/cache.js';
import type { EmbeddingConfig } from '../../sid/embedding-config.js';
import type { ItemEmbeddings } from '../../sid/item-embeddings.js';
import { SemanticIdentifier } from '../../sid/identifier.js';
import type { IdentifierKind } from './types.js';

/** Semantic IDs of `ds` from the `embeddings` settings (through the cache in `cacheDir`) and the `sid` settings. */
export function buildSemanticIds(
  s: { embeddings: EmbeddingConfig; sid: SidConfig; cacheDir: string },
  ds: NextItemDataset,
  log?: (l: string) => void,
): { ids: SemanticIdentifier; emb: ItemEmbeddings & { cached: boolean }; seconds: number } {
  const t0 = performance.now();
  const emb = cachedItemEmbeddings(ds.items, ds.train, s.embeddings, {
    cacheDir: s.cacheDir,
    datasetFingerprint: ds.fingerprint,
    log,
  });
  const ids = buildSemanticIdentifier(ds.items, emb, s.sid);
  return { ids, emb, seconds: (performance.now() - t0) / 1000 };
}

export const semanticIdentifiers: IdentifierKind = {
  name: 'sid',
  doc: 'semantic IDs; settings in sid and embeddings, or an index file in sidIndex',
  paper: 'TIGER, V-STAR §3.1',
  build(s, ds, log) {
    if (s.sidIndex !== '') {
      const ids = loadSidIndex(s.sidIndex, ds.items);
      log(`ids: semantic IDs from index ${s.sidIndex} (${ids.numItems} items, max code length ${ids.maxCodeLength})`);
      return ids;
    }
    const { ids, emb, seconds } = buildSemanticIds(s, ds, log);
    const st = ids.stats;
    if (st) {
      log(
        `ids: semantic IDs (${st.quantizer}, L=${st.levels}, K=${st.codebookSize}) from ${emb.source} embeddings ${emb.fingerprint}${emb.cached ? ' (cached)' : ''} ` +
          `in ${seconds.toFixed(1)}s; utilisation per level ${st.utilisation.map((u) => u.toFixed(2)).join('/')}, ` +
          `collision rate ${(100 * st.collisionRateBefore).toFixed(1)}% → ${(100 * st.collisionRateAfter).toFixed(1)}% ` +
          `(${st.collidingItems} items disambiguated), reconstruction ${st.reconstructionRelative.toFixed(3)}`,
      );
    }
    return ids;
  },
  fromJSON: (json) => SemanticIdentifier.fromJSON(json),
};
