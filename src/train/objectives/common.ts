// Shared pieces of the token-level objectives: input validation, per-token log-probabilities under the
// full softmax (SFT / BIGRec) or the trie-masked softmax (MSL), and the masked token mean.
import { noGrad, type Tensor } from '../../engine/index.js';
import type { ObjectiveInput } from './types.js';

/** Which next-token distribution an objective trains: the full-vocabulary softmax or the trie-masked one. */
export type TokenDistribution = { kind: 'full' } | { kind: 'masked'; temperature: number };

/** Per-token log-probabilities of one distribution. */
export interface TokenLogProbs {
  /** [B, L] log p(y_t | y_<t, x) of each target token (differentiable). */
  logpY: Tensor;
  /**
   * [B, L, C] log-probabilities of the trie-valid tokens, -Infinity where `valid.mask` is false.
   * Only meant for detached statistics (thresholds), never differentiated through.
   */
  logpValid: Tensor;
}

function shapeText(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/**
 * Checks shapes and dtypes of an objective's input (no data is read, so it costs no device sync).
 * Throws naming the offending field.
 */
export function checkObjectiveInput(input: ObjectiveInput, objective: string): void {
  const { logits, targets, mask, valid } = input;
  const fail = (field: string, t: Tensor, want: string): never => {
    throw new Error(`${objective}: ${field} must be ${want}, got ${shapeText(t)}`);
  };
  if (logits.ndim !== 3) fail('logits', logits, '[B, L, V]');
  if (logits.dtype !== 'float32' && logits.dtype !== 'float64') fail('logits', logits, 'float32 or float64');
  const [b, l] = logits.shape;
  const sameBL = (t: Tensor, extra: number): boolean => t.ndim === 2 + extra && t.shape[0] === b && t.shape[1] === l;
  if (!sameBL(targets, 0) || targets.dtype !== 'int64') fail('targets', targets, `[${b}, ${l}] int64`);
  if (!sameBL(mask, 0) || (mask.dtype !== 'float32' && mask.dtype !== 'float64'))
    fail('mask', mask, `[${b}, ${l}] float32`);
  if (!sameBL(valid.tokens, 1) || valid.tokens.dtype !== 'int64')
    fail('valid.tokens', valid.tokens, `[${b}, ${l}, C] int64`);
  const c = valid.tokens.shape[2];
  if (c < 1) fail('valid.tokens', valid.tokens, `[${b}, ${l}, C] with C >= 1`);
  if (!sameBL(valid.mask, 1) || valid.mask.shape[2] !== c || valid.mask.dtype !== 'bool')
    fail('valid.mask', valid.mask, `[${b}, ${l}, ${c}] bool`);
}

/**
 * Full content check of the {@link ObjectiveInput} contract (reads the data: for tests and debugging, not for
 * the training loop): token ids in [0, V), mask in {0, 1}, at every real position the target is among the valid
 * tokens and no valid token repeats. Throws naming the first offending position.
 */
export function validateObjectiveInput(input: ObjectiveInput, objective = 'objective'): void {
  checkObjectiveInput(input, objective);
  const [b, l, v] = input.logits.shape;
  const c = input.valid.tokens.shape[2];
  const tg = input.targets.toArray();
  const mk = input.mask.toArray();
  const vt = input.valid.tokens.toArray();
  const vm = input.valid.mask.toArray();
  for (let i = 0; i < b * l; i++) {
    const at = `[${Math.floor(i / l)}, ${i % l}]`;
    if (mk[i] !== 0 && mk[i] !== 1) throw new Error(`${objective}: mask${at} must be 0 or 1, got ${mk[i]}`);
    if (!(tg[i] >= 0 && tg[i] < v)) throw new Error(`${objective}: targets${at} = ${tg[i]} is outside [0, ${v})`);
    if (mk[i] === 0) continue;
    const seen = new Set<number>();
    for (let j = 0; j < c; j++) {
      if (!vm[i * c + j]) continue;
      const tok = vt[i * c + j];
      if (!(tok >= 0 && tok < v))
        throw new Error(`${objective}: valid.tokens${at}[${j}] = ${tok} is outside [0, ${v})`);
      if (seen.has(tok)) throw new Error(`${objective}: valid.tokens${at} lists token ${tok} twice`);
      seen.add(tok);
    }
    if (!seen.has(tg[i])) throw new Error(`${objective}: target ${tg[i]} at ${at} is not among the valid tokens`);
  }
}

/** Target token of each position gathered from a [B, L, V] tensor → [B, L]. */
function gatherTargets(x: Tensor, targets: Tensor): Tensor {
  return x.gather(2, targets.unsqueeze(-1)).squeeze(-1);
}

/** Log-probabilities of the targets (and of the valid tokens) under the full-vocabulary softmax. */
export function fullLogProbs(input: ObjectiveInput, withValid: boolean): TokenLogProbs | { logpY: Tensor } {
  const logp = input.logits.logSoftmax(-1);
  const logpY = gatherTargets(logp, input.targets);
  if (!withValid) return { logpY };
  const logpValid = noGrad(() =>
    logp.detach().gather(2, input.valid.tokens).maskedFill(input.valid.mask.logicalNot(), -Infinity),
  );
  return { logpY, logpValid };
}

/**
 * Log-probabilities under the softmax restricted to the trie-valid tokens, at temperature τ:
 * log p(y) = z_y/τ − logsumexp_{c valid}(z_c/τ). Padded positions (mask 0) are treated as if all their
 * C slots were valid so every row has a finite normaliser (their terms are masked out afterwards).
 */
export function maskedLogProbs(input: ObjectiveInput, temperature: number): TokenLogProbs;
export function maskedLogProbs(
  input: ObjectiveInput,
  temperature: number,
  withMean: true,
): TokenLogProbs & { meanLogpValid: Tensor };
export function maskedLogProbs(
  input: ObjectiveInput,
  temperature: number,
  withMean = false,
): TokenLogProbs & { meanLogpValid?: Tensor } {
  const { logits, targets, mask, valid } = input;
  const scale = (t: Tensor): Tensor => (temperature === 1 ? t : t.div(temperature));
  const rowValid = valid.mask.logicalOr(mask.eq(0).unsqueeze(-1));
  // One gather from the [B, L, V] logits (its backward is the only dense pass); the target's logit is picked
  // among the valid ones (the target is a valid token and valid tokens are distinct, by the input contract).
  const zRaw = scale(logits.gather(2, valid.tokens)); // [B, L, C]
  const isTarget = valid.tokens.eq(targets.unsqueeze(-1)).logicalAnd(valid.mask);
  const zY = isTarget.where(zRaw, 0).sum(-1); // [B, L]
  const zValid = zRaw.maskedFill(rowValid.logicalNot(), -Infinity);
  const lse = zValid.logsumexp(-1, true); // [B, L, 1]
  const logpY = zY.sub(lse.squeeze(-1));
  const logpValid = noGrad(() => zValid.detach().sub(lse.detach()).maskedFill(valid.mask.logicalNot(), -Infinity));
  if (!withMean) return { logpY, logpValid };
  // [B, L] mean log-probability over the valid tokens (differentiable; padded rows average all C slots)
  const count = rowValid.to(zRaw.dtype).sum(-1);
  const meanLogpValid = rowValid.where(zRaw, 0).sum(-1).div(count).sub(lse.squeeze(-1));
  return { logpY, logpValid, meanLogpValid };
}

/** Log-probabilities of the targets (and valid tokens) under `dist`. */
export function tokenLogProbs(input: ObjectiveInput, dist: TokenDistribution): TokenLogProbs {
  return dist.kind === 'full' ? (fullLogProbs(input, true) as TokenLogProbs) : maskedLogProbs(input, dist.temperature);
}

/** Number of real target tokens (at least 1, so an all-padding batch gives a zero loss, not NaN). */
export function realTokenCount(mask: Tensor): Tensor {
  return mask.sum().clamp(1);
}

/** Σ_t mask_t · nll_t / #real tokens, for an [B, L] per-token loss. */
export function maskedTokenMean(perToken: Tensor, mask: Tensor): Tensor {
  return perToken.mul(mask).sum().div(realTokenCount(mask));
}
