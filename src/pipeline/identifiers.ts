// The run's item identifiers: title BPE codes or semantic IDs (built, or read from an index file), with their
// statistics in the log.
import type { NextItemDataset } from '../data/index.js';
import { buildTitleIdentifier, type ItemIdentifier } from '../ids/index.js';
import { loadSidIndex } from '../sid/cache.js';
import type { RunConfig } from './config.js';
import { buildSemanticIds } from './sid-index.js';

/** Builds the configured item identifiers (title BPE codes or semantic IDs) and logs their statistics. */
export function buildIdentifier(cfg: RunConfig, ds: NextItemDataset, log: (line: string) => void): ItemIdentifier {
  if (cfg.identifier === 'title') {
    const ids = buildTitleIdentifier(ds.items, cfg.ids);
    const s = ids.stats;
    log(
      `ids: title BPE vocab ${ids.vocabSize}, mean code length ${s.meanLength.toFixed(1)} (max ${s.maxLength}), ` +
        `${s.collisions} items disambiguated in ${s.groups} collision groups, ${s.truncated} titles truncated`,
    );
    return ids;
  }
  if (cfg.sidIndex !== '') {
    const ids = loadSidIndex(cfg.sidIndex, ds.items);
    log(`ids: semantic IDs from index ${cfg.sidIndex} (${ids.numItems} items, max code length ${ids.maxCodeLength})`);
    return ids;
  }
  const { ids, emb, seconds } = buildSemanticIds(cfg, ds, log);
  const s = ids.stats;
  if (s) {
    log(
      `ids: semantic IDs (${s.quantizer}, L=${s.levels}, K=${s.codebookSize}) from ${emb.source} embeddings ${emb.fingerprint}${emb.cached ? ' (cached)' : ''} ` +
        `in ${seconds.toFixed(1)}s; utilisation per level ${s.utilisation.map((u) => u.toFixed(2)).join('/')}, ` +
        `collision rate ${(100 * s.collisionRateBefore).toFixed(1)}% → ${(100 * s.collisionRateAfter).toFixed(1)}% ` +
        `(${s.collidingItems} items disambiguated), reconstruction ${s.reconstructionRelative.toFixed(3)}`,
    );
  }
  return ids;
}
