// Shared plumbing of the decoders: running the model's steps inside memory scopes, scoring the
// valid children of a batch of constraint nodes in tensors, and input validation.
//
// Memory contract (see also types.ts): `start` and `advance` run inside `tidy`, so every
// temporary the model creates is freed; the returned `{ logProbs, state, hidden?, logits? }` survives because it
// is a plain object (the state must be reachable by tidy's survivor rule: tensors inside plain
// objects / arrays / Maps, or tensors the model `keep`s). The decoder disposes every logProbs (and
// hidden, logits) it receives and every state it no longer needs (via `model.dispose`).
import { cat, full, tensor, tidy, type Tensor } from '../engine/index.js';
import type { BatchChildren, Constraint } from './constraint.js';
import type { StepModel, StepResult, TokenScoring } from './types.js';

export type { TokenScoring };
/** A step's output as the decoders hold it (see StepResult). */
export type StepOutput<S> = StepResult<S>;

/** Frees a step output's tensors except its state (the decoders free states through `model.dispose`). */
export function disposeOutputs(out: { logProbs: Tensor; hidden?: Tensor; logits?: Tensor }): void {
  out.logProbs.dispose();
  out.hidden?.dispose();
  out.logits?.dispose();
}

function checkLogProbs(where: string, out: StepOutput<unknown>, rows: number, vocab: number): void {
  const s = out.logProbs.shape;
  if (s.length !== 2 || s[0] !== rows || s[1] !== vocab) {
    throw new Error(
      `decode: model.${where} returned logProbs of shape [${s.join(', ')}], expected [${rows}, ${vocab}]`,
    );
  }
  const h = out.hidden?.shape;
  if (h !== undefined && (h.length !== 2 || h[0] !== rows)) {
    throw new Error(`decode: model.${where} returned hidden of shape [${h.join(', ')}], expected [${rows}, d]`);
  }
  const l = out.logits?.shape;
  if (l !== undefined && (l.length !== 2 || l[0] !== rows || l[1] !== vocab)) {
    throw new Error(`decode: model.${where} returned logits of shape [${l.join(', ')}], expected [${rows}, ${vocab}]`);
  }
}

/** The plain object tidy keeps: logProbs, state, and hidden / logits only when the model returned them. */
function output<S>(r: StepResult<S>): StepOutput<S> {
  const out: StepOutput<S> = { logProbs: r.logProbs, state: r.state };
  if (r.hidden !== undefined) out.hidden = r.hidden;
  if (r.logits !== undefined) out.logits = r.logits;
  return out;
}

/** model.start() in a memory scope, with a shape check ([numUsers, vocabSize]). */
export function startModel<S>(model: StepModel<S>, numUsers: number): StepOutput<S> {
  const out = tidy(() => output(model.start()));
  try {
    checkLogProbs('start', out, numUsers, model.vocabSize);
  } catch (e) {
    disposeOutputs(out);
    model.dispose(out.state);
    throw e;
  }
  return out;
}

/** model.advance(state, rows, tokens) in a memory scope; `rows` index the rows of `state`. */
export function advanceModel<S>(model: StepModel<S>, state: S, rows: Int32Array, tokens: Int32Array): StepOutput<S> {
  const n = rows.length;
  const out = tidy(() => output(model.advance(state, tensor(rows, [n], 'int64'), tensor(tokens, [n], 'int64'))));
  try {
    checkLogProbs('advance', out, n, model.vocabSize);
  } catch (e) {
    disposeOutputs(out);
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
 * `logProbs[r, token] + base[r]`, -inf at padded entries, under `scoring` (see TokenScoring in ./types.ts).
 * float64 so that sums of log-probs are exactly the JS sums of the model's float32 values (reproducible
 * against brute force). Call inside `tidy`. (The default 'full' only serves the transitional beam-sim caller.)
 */
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

export function checkScoring(where: string, scoring: TokenScoring): void {
  if (scoring !== 'full' && scoring !== 'valid') {
    throw new Error(`${where}: 'scoring' must be 'full' or 'valid', got ${JSON.stringify(scoring)}`);
  }
}

export function checkTargets(where: string, c: Constraint, targets: Int32Array, numUsers: number): void {
  if (!(targets instanceof Int32Array) || targets.length !== numUsers) {
    throw new Error(`${where}: 'targets' must be an Int32Array of length numUsers = ${numUsers}`);
  }
  for (let u = 0; u < numUsers; u++) {
    const t = targets[u];
    if (t < 0 || t >= c.numItems)
      throw new Error(`${where}: targets[${u}] = ${t} is not an item in [0, ${c.numItems})`);
  }
}
