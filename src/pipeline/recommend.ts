// Recommends items for users by constrained decoding, in chunks of users (one batched
// forward per decoding step per chunk).
import { noGrad, tidy } from '../engine/index.js';
import { beamSearch } from '../decode/beam.js';
import type { Hypothesis } from '../decode/types.js';
import type { GenRecModel } from '../model/genrec.js';
import type { OnProgress } from '../util/progress.js';

export interface RecommendSettings {
  beamWidth: number;
  topK: number;
  /** Users decoded together (rows per step = users × beamWidth). */
  chunkUsers: number;
  /** Distribution ranked by: 'full' softmax or renormalised over 'valid' tokens (see decode/common.ts). */
  scoring: 'full' | 'valid';
}

export function recommend(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  s: RecommendSettings,
  onProgress?: OnProgress,
): Hypothesis[][] {
  const wasTraining = model.training;
  model.eval();
  const out: Hypothesis[][] = [];
  try {
    for (let i = 0; i < histories.length; i += s.chunkUsers) {
      const chunk = histories.slice(i, i + s.chunkUsers);
      const res = tidy(() =>
        noGrad(() =>
          beamSearch(
            { model: model.stepModel(chunk, s.scoring), trie: model.ids.trie, numUsers: chunk.length },
            { beamWidth: s.beamWidth, topK: s.topK, lengthPenalty: 0 },
          ),
        ),
      );
      out.push(...res);
      onProgress?.(out.length, histories.length);
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}
