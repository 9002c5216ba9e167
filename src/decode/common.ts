// Shared plumbing of the decoders: running the model's steps inside memory scopes, scoring the
// valid children of a batch of trie nodes in tensors, and input validation.
//
// Memory contract (see also types.ts): `start` and `advance` run inside `tidy`, so every
// temporary the model creates is freed; the returned `{ logProbs, state }` survives because it
// is a plain object (the state must be reachable by tidy's survivor rule: tensors inside plain
// objects / arrays / Maps, or tensors the model `keep`s). The decoder disposes every logProbs it
// receives and every state it no longer needs (via `model.dispose`).
import { cat, full, tensor, tidy, type Tensor } from '../engine/index.js';
import type { BatchChildren, PrefixTrie } from '../ids/trie.js';
import type { StepModel } from './types.js';

export interface StepOutput<S> {
  logProbs: Tensor;
  state: S;
}

function checkLogProbs(where: string, lp: Tensor, rows: number, vocab: number): void {
  const s = lp.shape;
  if (s.length !== 2 || s[0] !== rows || s[1] !== vocab) {
    throw new Error(
      `decode: model.${where} returned logProbs of shape [${s.join(', ')}], expected [${rows}, ${vocab}]`,
    );
  }
}

/** model.start() in a memory scope, with a shape check ([numUsers, vocabSize]). */
export function startModel<S>(model: StepModel<S>, numUsers: number): StepOutput<S> {
  const out = tidy(() => {
    const r = model.start();
    return { logProbs: r.logProbs, state: r.state };
  });
  try {
    checkLogProbs('start', out.logProbs, numUsers, model.vocabSize);
  } catch (e) {
    out.logProbs.dispose();
    model.dispose(out.state);
    throw e;
  }
  return out;
}

/** model.advance(state, rows, tokens) in a memory scope; `rows` index the rows of `state`. */
export function advanceModel<S>(model: StepModel<S>, state: S, rows: Int32Array, tokens: Int32Array): StepOutput<S> {
  const n = rows.length;
  const out = tidy(() => {
    const r = model.advance(state, tensor(rows, [n], 'int64'), tensor(tokens, [n], 'int64'));
    return { logProbs: r.logProbs, state: r.state };
  });
  try {
    checkLogProbs('advance', out.logProbs, n, model.vocabSize);
  } catch (e) {
    out.logProbs.dispose();
    model.dispose(out.state);
    throw e;
  }
  return out;
}

/** model.concat(parts) in a memory scope (the model must implement `concat`). */
export function concatModel<S>(model: StepModel<S>, parts: ReadonlyArray<{ state: S; rows: Int32Array }>): S {
  const concat = model.concat;
  if (concat === undefined) throw new Error('decode: the model does not implement concat');
  return tidy(() => {
    const state = concat.call(
      model,
      parts.map((p) => ({ state: p.state, rows: tensor(p.rows, [p.rows.length], 'int64') })),
    );
    return { state };
  }).state;
}

/**
 * Log-probabilities of every valid child of every row, as a float64 [N, C] tensor (C = children.width):
 * `logProbs[r, token] + base[r]`, -inf at padded entries. float64 so that sums of log-probs are exactly the
 * JS sums of the model's float32 values (reproducible against brute force). Call inside `tidy`.
 */
/**
 * Which distribution decoding ranks by: 'full' = the model's softmax over the whole vocabulary with
 * invalid tokens removed (Hugging Face's prefix-constrained decoding, what SFT is trained for);
 * 'valid' = the softmax renormalised over the trie-valid next tokens (what MSL and BEAR-on-MSL are
 * trained for: their logits of invalid tokens are never trained, so 'full' charges every token an
 * arbitrary normaliser and favours short identifiers).
 */
export type TokenScoring = 'full' | 'valid';

export function childScores(
  logProbs: Tensor,
  children: BatchChildren,
  base: Float64Array | null,
  scoring: TokenScoring = 'full',
): Tensor {
  const n = logProbs.shape[0];
  const c = children.width;
  const tok = tensor(children.tokens, [n, c], 'int64');
  let s = logProbs.gather(1, tok.clamp(0, null)).double().maskedFill(tok.lt(0), -Infinity);
  // renormalise over the trie-valid children: log p(y | prefix, y valid)
  if (scoring === 'valid') s = s.sub(validLogNormaliser(s, 1, true));
  if (base !== null) s = s.add(tensor(base, [n, 1], 'float64'));
  return s;
}

/**
 * log Σ exp of `scores` (−inf at invalid tokens) along `dim`: the normaliser of the distribution renormalised over the
 * valid tokens. 0 where no token is valid, so that such rows stay −inf after subtracting it.
 */
export function validLogNormaliser(scores: Tensor, dim: number, keepDim: boolean): Tensor {
  const lse = scores.logsumexp(dim, keepDim);
  return lse.maskedFill(lse.isfinite().logicalNot(), 0);
}

/**
 * Lays rows out per group for a per-group top-k: `scores` [N, C] → [G, R·C] where group g owns rows
 * start[g] .. start[g]+count[g]-1 (count ≤ R) and missing rows are -inf. No copy when every group is full.
 * Call inside `tidy`.
 */
export function groupRows(scores: Tensor, start: Int32Array, count: Int32Array, r: number): Tensor {
  const g = start.length;
  const [n, c] = scores.shape;
  let full_ = true;
  for (let i = 0; i < g && full_; i++) if (count[i] !== r) full_ = false;
  if (full_ && n === g * r) return scores.reshape([g, r * c]);
  const map = new Int32Array(g * r).fill(n); // row n is the -inf padding row
  for (let i = 0; i < g; i++) for (let j = 0; j < count[i]; j++) map[i * r + j] = start[i] + j;
  const padded = cat([scores, full([1, c], -Infinity, 'float64')], 0);
  return padded.indexSelect(0, tensor(map, [g * r], 'int64')).reshape([g, r * c]);
}

// ---- validation ----

export function checkInt(where: string, key: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new Error(`${where}: '${key}' must be an integer ${range}, got ${JSON.stringify(v)}`);
  }
}

export function checkUsers(where: string, numUsers: number): void {
  checkInt(where, 'numUsers', numUsers, 0);
}

export function checkTargets(where: string, trie: PrefixTrie, targets: Int32Array, numUsers: number): void {
  if (!(targets instanceof Int32Array) || targets.length !== numUsers) {
    throw new Error(`${where}: 'targets' must be an Int32Array of length numUsers = ${numUsers}`);
  }
  for (let u = 0; u < numUsers; u++) {
    const t = targets[u];
    if (t < 0 || t >= trie.numItems)
      throw new Error(`${where}: targets[${u}] = ${t} is not an item in [0, ${trie.numItems})`);
  }
}

/** Number of trie nodes with children: the model rows needed per user to score every item exhaustively. */
export function internalNodeCount(trie: PrefixTrie): number {
  let n = 0;
  for (let v = 0; v < trie.numNodes; v++) if (trie.edgeStart[v + 1] > trie.edgeStart[v]) n++;
  return n;
}
