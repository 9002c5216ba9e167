// A tiny generative recommender for decoder and RL tests (d 16, one layer, 4 history items, `responseItems`
// identifiers per response, seeded, in eval mode), a 12-item semantic-ID catalogue for it, and side information
// without genres for its items.
import { manualSeed } from '../src/engine/index.js';
import type { ItemIdentifier } from '../src/ids/types.js';
import { ModelConfigDef } from '../src/model/config.js';
import { itemSideInfo, type ItemSideInfo } from '../src/rewards/index.js';
import { GenRecModel } from '../src/model/genrec.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';

export function tinyGenRec(ids: ItemIdentifier, responseItems: number, seed: number): GenRecModel {
  manualSeed(seed);
  const model = new GenRecModel(
    ModelConfigDef.parse({ dModel: 16, nHeads: 2, nLayers: 1, dFF: 32, dropout: 0.1, maxHistory: 4, responseItems }),
    ids,
  );
  model.eval();
  return model;
}

/** 12 items on two semantic-ID levels of sizes [4, 3], no collisions: item i = (⌊i/3⌋, i mod 3). */
export function twelveItemSids(): ItemIdentifier {
  const N = 12;
  return new SemanticIdentifier({
    sizes: [4, 3],
    numDisambiguators: 0,
    codes: Int32Array.from({ length: 2 * N }, (_, k) => (k % 2 === 0 ? Math.floor(k / 6) : (k >> 1) % 3)),
    extra: new Int32Array(N).fill(-1),
    titles: Array.from({ length: N }, (_, i) => `item ${i}`),
  });
}

/** Side information of `n` items without genres (list rewards that need none: recall, NDCG). */
export function sideWithoutGenres(n = 12): ItemSideInfo {
  return itemSideInfo(
    'synthetic',
    Array.from({ length: n }, () => ({})),
  );
}
