// What decoders need from a model: next-token log-probabilities for a batch of prefixes,
// advanced one token at a time. Decoders are pure functions over this interface and a
// PrefixTrie, so they can be tested against brute force with a fake model.
import type { Tensor } from '../engine/index.js';
import type { PrefixTrie } from '../ids/trie.js';

/**
 * Opaque per-row decoding state (e.g. a KV cache); `S` is owned by the model.
 *
 * Memory: the decoders call `start` and `advance` inside `tidy`, so temporaries are freed; the returned state must
 * survive that, i.e. its tensors must sit in plain objects / arrays / Maps (tidy's survivor rule) or be kept by the
 * model. The decoders dispose every returned logProbs and free every state through `dispose`.
 */
export interface StepModel<S> {
  readonly vocabSize: number;
  /** Distribution the decoders rank by (see TokenScoring in ./common.ts); 'full' when absent. */
  readonly scoring?: 'full' | 'valid';
  /** Encodes the users' contexts; returns log p(first token | context) as [U, V] float32 and the state. */
  start(): { logProbs: Tensor; state: S };
  /**
   * Continues decoding: new row i extends previous row `rows[i]` with token `tokens[i]`.
   * Returns log p(next token | prefix) for every new row as [N, V], and the new state.
   * `rows` and `tokens` are int64 [N]. The previous state must stay valid (the decoder frees it).
   */
  advance(state: S, rows: Tensor, tokens: Tensor): { logProbs: Tensor; state: S };
  /** Frees a state's tensors. */
  dispose(state: S): void;
  /**
   * Optional: a new state made of rows `parts[0].rows` of `parts[0].state`, then rows of `parts[1]`, … (rows are
   * int64 [n_i]). All rows have prefixes of the same length (same number of decoded tokens). The input states stay
   * valid. Exact top-K search uses it to expand prefixes created in different rounds with one `advance` per prefix
   * length; without it, it makes one `advance` per source state.
   */
  concat?(parts: ReadonlyArray<{ state: S; rows: Tensor }>): S;
}

/** One decoded item for one user. */
export interface Hypothesis {
  item: number;
  /** Sum of log-probabilities of the item's tokens (length penalty 0). */
  logProb: number;
}

/** Explicit decoding settings: nothing is inherited silently. */
export interface BeamSearchSettings {
  beamWidth: number;
  /** How many distinct items to return per user (≤ beamWidth). */
  topK: number;
  /** Always 0 in genrec (scores are plain sums of log-probabilities); kept explicit. */
  lengthPenalty: 0;
}

export interface DecodeInput<S> {
  model: StepModel<S>;
  trie: PrefixTrie;
  numUsers: number;
}
