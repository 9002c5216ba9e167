// A tiny generative recommender for decoder and RL tests: d 16, one layer, 4 history items, `responseItems`
// identifiers per response, seeded, in eval mode.
import { manualSeed } from '../src/engine/index.js';
import type { ItemIdentifier } from '../src/ids/types.js';
import { ModelConfigDef } from '../src/model/config.js';
import { GenRecModel } from '../src/model/genrec.js';

export function tinyGenRec(ids: ItemIdentifier, responseItems: number, seed: number): GenRecModel {
  manualSeed(seed);
  const model = new GenRecModel(
    ModelConfigDef.parse({ dModel: 16, nHeads: 2, nLayers: 1, dFF: 32, dropout: 0.1, maxHistory: 4, responseItems }),
    ids,
  );
  model.eval();
  return model;
}
