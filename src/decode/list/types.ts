// List generation (BLADE §2.1): one response is an ordered list of K items, their identifiers decoded one after the
// other, each ending in the identifier's end token, no item twice. The list decoders' shared types.
import type { DecoderInput, TokenScoring } from '../types.js';

/**
 * What a list decoder decodes: the users' step model, the base constraint (one item's identifier: the trie, shared by
 * every user; the list decoders build the list-wise constraint over it, ./list-constraint.ts) and the users' histories.
 */
export interface ListDecoderInput<S> extends DecoderInput<S> {
  /** Per user, the history's items: masked out of the lists with `excludeHistory`, required then; else unused. */
  histories?: ReadonlyArray<ArrayLike<number>>;
}

/** Every setting a list decoder may read, all explicit; an entry lists the ones it reads. Paper values in brackets. */
export interface ListDecoderSettings {
  /** K, items per response [BLADE §4.1: 10]. A response is shorter only when the catalogue runs out. */
  listLength: number;
  /** Mask the user's history out of every list (`histories` must be given). */
  excludeHistory: boolean;
  /** Distribution of the recorded `logProbs` (and ranked by, for beam): see TokenScoring. */
  scoring: TokenScoring;
  /** G, responses per user (sample) [BLADE §4.1.4: G = 16]. */
  numSamples: number;
  /** Softmax temperature, finite ≥ 0, 0 = argmax (sample) [BLADE §4.1.4: 0.8]. */
  temperature: number;
  /** Repetition penalty p ≥ 1 on the raw logits of tokens already in the response, 1 = none (sample) [1.05]. */
  repetitionPenalty: number;
  /** Seed of the samples' generators (sample; see listSample). */
  seed: number;
  /** Index of the call's first user among all users decoded (chunked calls draw the same as one call; sample). */
  firstUser: number;
  /** Beam width B ≥ listLength (beam). */
  beamWidth: number;
}

export type ListDecoderSettingName = Exclude<keyof ListDecoderSettings, 'firstUser'>;

/**
 * The decoded responses of a call: R = numUsers · numSamples rows, row r = sample r mod G of user ⌊r / G⌋.
 * Token arrays are R × width, row-major, left-aligned; item arrays are R × listLength. Padding: -1 (tokens, items,
 * itemEnds), 0 (mask, log-probs).
 */
export interface ListResponses {
  numUsers: number;
  /** G: responses per user. */
  numSamples: number;
  /** K: items asked per response. */
  listLength: number;
  /** [R · K]: each response's items in order. */
  items: Int32Array;
  /** [R]: items in each response (K unless the catalogue ran out). */
  itemCounts: Int32Array;
  /** [R · K]: token offset just after each item's end token (item i spans itemEnds[i-1] … itemEnds[i]). */
  itemEnds: Int32Array;
  /** Row width of the token arrays: the longest response. */
  width: number;
  /** [R · width]: the response's tokens, the concatenation of its items' identifiers (each ending in the end token). */
  tokens: Int32Array;
  /** [R · width]: 1 at the response's tokens, 0 at padding. */
  mask: Uint8Array;
  /** [R]: tokens in each response. */
  lengths: Int32Array;
  /**
   * [R · width]: log π(token | prompt, response so far) under the plain model — temperature 1, no repetition penalty —
   * with `scoring` ('full': the model's softmax; 'valid': renormalised over the list constraint's valid tokens).
   */
  logProbs: Float64Array;
  /**
   * [R · width]: log-prob of each token under the distribution the decoder drew it from (the behaviour policy):
   * sampling — the constrained, repetition-penalised, tempered softmax (./list-sample.ts); deterministic choices
   * (greedy, beam, temperature 0) — 0.
   */
  behaviourLogProbs: Float64Array;
  /** [R · K]: Σ logProbs over each item's tokens (0 at padding). */
  itemLogProbs: Float64Array;
  /**
   * [R]: items whose tokens do not spell an identifier of the base constraint (from the root), or spell another item;
   * recounted from the tokens, independently of the list constraint. 0 for every decoder here.
   */
  invalidItems: Int32Array;
  /** [R]: items that appear earlier in the same response (recounted from the items). 0 for every decoder here. */
  repeatedItems: Int32Array;
  /** [R]: items of the user's history in the response (0 with excludeHistory; 0 when no histories were given). */
  historyItems: Int32Array;
  /**
   * Model calls (start + advances) and model rows evaluated (the users at start: one prefill per user, not per
   * sample); 0 when no response has a valid first token (the model is not started).
   */
  steps: number;
  rowsEvaluated: number;
}

export interface ListDecoderEntry {
  /** The name a list task's decoder setting takes. */
  readonly name: string;
  /** One line for the config's documentation. */
  readonly doc: string;
  /** The settings `run` reads. */
  readonly settings: readonly ListDecoderSettingName[];
  run<S>(input: ListDecoderInput<S>, settings: ListDecoderSettings): ListResponses;
}
