// Recommends items for users with the decoder named by the settings (the registry in decode/registry.ts),
// in chunks of users (one batched forward per decoding step per chunk).
import { inEvalMode, noGrad, tidy, type HasTrainMode } from '../engine/index.js';
import { getDecoder } from '../decode/registry.js';
import type { Constraint } from '../decode/constraint.js';
import { ExcludeItems } from '../decode/exclude.js';
import { beamEquivalentBudget } from '../decode/ved.js';
import type { Hypothesis, PrefixValue, StepModel, TokenScoring, VedSearchSettings } from '../decode/types.js';
import type { OnProgress } from '../util/progress.js';

/** Every decoding setting, explicit (the run config's eval section; nothing comes from the model). */
export interface RecommendSettings {
  /** A registered decoder's name (eval.decoder): 'beam', 'greedy', 'sample', 'exact', … */
  decoder: string;
  /** Items per user (at most; greedy returns one, sampling the distinct items drawn). */
  topK: number;
  /** Beam width (beam); with chunkUsers, also the rows per model call of exact search. */
  beamWidth: number;
  /** Users decoded together (rows per step = users × beamWidth for beam search). */
  chunkUsers: number;
  /** Distribution ranked by: 'full' softmax or renormalised over 'valid' tokens (see decode/types.ts). */
  scoring: TokenScoring;
  /** Sampling temperature (sample). */
  temperature: number;
  /** Sampling seed (sample): chunk c is seeded with sampleSeed + its first user's index. */
  sampleSeed: number;
  /** VED's search settings (decoder 'ved'); budget 0 = beam search's budget at beamWidth, 1 + (maxCodeLength − 1)·B. */
  ved?: VedSearchSettings;
  /** VED's value function (a run's value head); absent: the prefix log-probability. */
  value?: PrefixValue;
}

/** What recommend needs of a model: GenRecModel is one (tests decode a fake step model through it). */
export interface DecodableModel extends HasTrainMode {
  /** A decoding session over a batch of histories. */
  stepModel(histories: ReadonlyArray<ReadonlyArray<number>>, opts?: { hidden?: boolean }): StepModel<unknown>;
  /** The items' identifiers: the constraint decoding follows (and the longest identifier, for VED's default budget). */
  readonly ids: { readonly trie: Constraint; readonly maxCodeLength?: number };
}

/**
 * Per history, the decoded items, best first. With `exclude`, user u never gets the items of `exclude[u]` (e.g. its
 * history; an empty list excludes nothing, and decodes exactly as without `exclude`).
 */
export function recommend(
  model: DecodableModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  s: RecommendSettings,
  onProgress?: OnProgress,
  exclude?: ReadonlyArray<ArrayLike<number>>,
): Hypothesis[][] {
  if (exclude !== undefined && exclude.length !== histories.length) {
    throw new Error(`recommend: ${exclude.length} exclusion lists for ${histories.length} histories`);
  }
  const decoder = getDecoder(s.decoder);
  const out: Hypothesis[][] = [];
  let ved = s.ved;
  if (ved !== undefined && ved.budget === 0) {
    const L = model.ids.maxCodeLength;
    if (L === undefined)
      throw new Error("recommend: VED budget 0 (as beam search) needs the identifiers' maxCodeLength");
    ved = { ...ved, budget: beamEquivalentBudget(L, s.beamWidth) };
  }
  const hidden = s.decoder === 'ved' && s.value?.needsHidden === true;
  inEvalMode(model, () => {
    for (let i = 0; i < histories.length; i += s.chunkUsers) {
      const chunk = histories.slice(i, i + s.chunkUsers);
      const constraint: Constraint =
        exclude === undefined ? model.ids.trie : new ExcludeItems(model.ids.trie, exclude.slice(i, i + s.chunkUsers));
      const res = tidy(() =>
        noGrad(() =>
          decoder.run(
            {
              model: hidden ? model.stepModel(chunk, { hidden }) : model.stepModel(chunk),
              constraint,
              numUsers: chunk.length,
              ...(ved !== undefined ? { ved } : {}),
              ...(s.value !== undefined ? { value: s.value } : {}),
            },
            {
              topK: s.topK,
              scoring: s.scoring,
              beamWidth: s.beamWidth,
              temperature: s.temperature,
              seed: s.sampleSeed,
              rowsPerRound: s.chunkUsers * s.beamWidth,
              firstUser: i,
            },
          ),
        ),
      );
      out.push(...res);
      onProgress?.(out.length, histories.length);
    }
  });
  return out;
}
