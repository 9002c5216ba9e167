// What decoders need from a model: next-token log-probabilities for a batch of prefixes,
// advanced one token at a time. Decoders are pure functions over this interface and a
// Constraint (./constraint.ts), so they can be tested against brute force with a fake model.
import type { Tensor } from '../engine/index.js';
import type { Constraint } from './constraint.js';

/**
 * Which distribution decoding ranks by: 'full' = the model's softmax over the whole vocabulary with
 * invalid tokens removed (Hugging Face's prefix-constrained decoding, what SFT is trained for);
 * 'valid' = the softmax renormalised over the constraint's valid next tokens (what MSL and BEAR-on-MSL
 * are trained for: their logits of invalid tokens are never trained, so 'full' charges every token an
 * arbitrary normaliser and favours short identifiers). A decoding setting, not a property of the model.
 */
export type TokenScoring = 'full' | 'valid';

/** One step's output: log p(next token | prefix) per row, the new state, and (when asked) hidden states and logits. */
export interface StepResult<S> {
  logProbs: Tensor;
  state: S;
  /**
   * [N, V] float32: the raw pre-softmax scores each row's logProbs are the log-softmax of, only when the step model was
   * created asking for them (e.g. `model.stepModel(histories, { logits: true })`): a repetition penalty in the style of
   * Hugging Face / CTRL acts on them (src/decode/list/list-sample.ts). Absent otherwise. The decoder owns it (disposes it).
   */
  logits?: Tensor;
  /**
   * [N, d] float32: the model's final hidden state of each row (the one its logProbs are read from), only when the
   * step model was created asking for it (e.g. `model.stepModel(histories, { hidden: true })`), for a value head.
   * Absent otherwise: nothing extra is computed or kept. The decoder owns it like logProbs (disposes it).
   */
  hidden?: Tensor;
}

/**
 * Opaque per-row decoding state (e.g. a KV cache); `S` is owned by the model.
 *
 * Memory: the decoders call `start` and `advance` inside `tidy`, so temporaries are freed; the returned state must
 * survive that, i.e. its tensors must sit in plain objects / arrays / Maps (tidy's survivor rule) or be kept by the
 * model. The decoders dispose every returned logProbs and hidden, and free every state through `dispose`.
 */
export interface StepModel<S> {
  readonly vocabSize: number;
  /** Encodes the users' contexts; returns log p(first token | context) as [U, V] float32 and the state. */
  start(): StepResult<S>;
  /**
   * Continues decoding: new row i extends previous row `rows[i]` with token `tokens[i]`.
   * Returns log p(next token | prefix) for every new row as [N, V], and the new state.
   * `rows` and `tokens` are int64 [N]. The previous state must stay valid (the decoder frees it).
   */
  advance(state: S, rows: Tensor, tokens: Tensor): StepResult<S>;
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
  /** Sum of log-probabilities of the item's tokens under the decoder's scoring (length penalty 0). */
  logProb: number;
}

/** Explicit decoding settings: nothing is inherited silently. */
export interface BeamSearchSettings {
  beamWidth: number;
  /** How many distinct items to return per user (≤ beamWidth). */
  topK: number;
  /** Always 0 in genrec (scores are plain sums of log-probabilities); kept explicit. */
  lengthPenalty: 0;
  /** Distribution ranked by. */
  scoring: TokenScoring;
}

/** A prefix node of a search tree as a value function sees it (VED, ./ved.ts). */
export interface PrefixNode {
  /** User index within the decode call. */
  readonly user: number;
  /** Tokens from the root (length = depth). */
  readonly tokens: readonly number[];
  /** Sum of the tokens' log-probabilities under `scoring`; at a leaf, the whole item's (end token included). */
  readonly logProb: number;
  /** The item of a leaf, else -1. */
  readonly item: number;
  /** Hidden states of the path root..node (one per evaluated prefix), when the step model returns them. */
  readonly hiddens: readonly Float32Array[] | null;
}

/** V(s) of a batch of prefix nodes (VED calls it once per round with every newly evaluated node). */
export interface PrefixValue {
  /** Whether `values` reads `hiddens` (the step model must then have been created with `{ hidden: true }`). */
  readonly needsHidden: boolean;
  values(nodes: readonly PrefixNode[]): Float64Array;
}

/** VED's search settings as a registered decoder reads them (the run config's eval.ved* keys). */
export interface VedSearchSettings {
  /** Model-evaluated tokens per user (see ./ved.ts). */
  budget: number;
  lambda: number;
  beta: number;
  warmWidth: number;
  rule: 'G' | 'V' | 'H';
}

/** What every decoder decodes: the users' step model and the constraint on their tokens. */
export interface DecoderInput<S> {
  model: StepModel<S>;
  constraint: Constraint;
  numUsers: number;
  /** Value-guided decoders only (VED): the value function (absent: the prefix log-probability). */
  value?: PrefixValue;
  /** Value-guided decoders only (VED): the search settings. */
  ved?: VedSearchSettings;
}
