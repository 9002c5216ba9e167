/**
 * The pruning diagnostics of a GenRecModel (modelPruningDiagnostics, ./diagnostics.ts over the model's step model),
 * and what the model computes faster by teacher forcing than by decoding: the sibling ranks of the targets
 * (./sibling-ranks.ts) in one forward per chunk, and the overall log-probs of given items (the witness pool's
 * scores, ./witness.ts).
 */
import { inEvalMode, noGrad, tidy, type Tensor } from '../../engine/index.js';
import { validLogNormaliser, type TokenScoring } from '../../decode/common.js';
import type { GenRecModel } from '../../model/genrec.js';
import type { Example } from '../../data/types.js';
import { targetBatch } from '../../model/targets.js';
import type { OnProgress } from '../../util/progress.js';
import { pruningDiagnostics } from './diagnostics.js';
import type { PruningSettings } from './settings.js';
import type { SiblingRanks } from './sibling-ranks.js';
import type { PruningResult } from './summary.js';

/**
 * Sibling ranks of a GenRecModel by teacher forcing: one `forwardTrain` over the targets (no decoding), ranks of
 * the log-probs among the valid tokens of `targetBatch`. Ranks do not depend on `scoring` (renormalising over the
 * valid siblings shifts them all by the same amount); the target's overall log-prob does. Runs in eval mode
 * (restored) under noGrad.
 */
export function siblingRanksTeacherForced(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  targets: Int32Array,
  scoring: TokenScoring = 'full',
): SiblingRanks {
  const U = histories.length;
  if (targets.length !== U) throw new Error(`siblingRanks: ${targets.length} targets for ${U} users`);
  const paths = model.ids.trie.targetPaths(targets);
  const W = paths.width;
  if (U === 0) return { width: W, ranks: new Int32Array(0), lengths: paths.lengths, logProb: new Float64Array(0) };
  return inEvalMode(model, () => {
    let logProb: Float64Array = new Float64Array(0);
    const ranks = tidy(() =>
      noGrad(() => {
        const tb = targetBatch(model.ids, targets);
        const lp = model.forwardTrain(model.encodeHistories(histories), tb.targetIn).logSoftmax(-1);
        const zY = lp.gather(2, tb.targets.unsqueeze(-1)); // [U, L, 1]
        const zValid = lp.gather(2, tb.valid.tokens); // [U, L, C]
        logProb = sequenceLogProbs(tokenScores(zY.squeeze(-1), zValid, tb.valid.mask, scoring), tb.mask);
        const better = zValid.gt(zY).logicalAnd(tb.valid.mask).to('int64').sum(-1); // [U, L]
        return better.maskedFill(tb.mask.eq(0), -1).toInt32();
      }),
    );
    return { width: W, ranks, lengths: paths.lengths, logProb };
  });
}

/**
 * The decoders' token scores of the targets: full-softmax log-probs `zY` [B, L], or with 'valid' renormalised over
 * the trie-valid tokens (`zValid`, `validMask` [B, L, C]), as childScores does while decoding.
 */
function tokenScores(zY: Tensor, zValid: Tensor, validMask: Tensor, scoring: TokenScoring): Tensor {
  if (scoring === 'full') return zY;
  return zY.sub(validLogNormaliser(zValid.maskedFill(validMask.logicalNot(), -Infinity), -1, false));
}

/** Per row: Σ_t token log-probs [B, L] over the real positions of `mask` [B, L], summed in float64. */
function sequenceLogProbs(tokenLogProbs: Tensor, mask: Tensor): Float64Array {
  return tokenLogProbs.to('float64').maskedFill(mask.eq(0), 0).sum(-1).toFloat64();
}

/**
 * Overall log-probs log P(item | history) (teacher forcing; token scores of `scoring`, full softmax by default) of
 * `items[i]` for `histories[i]`, in batches of `batch` sequences. Runs in eval mode (restored) under noGrad.
 */
export function itemLogProbs(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  items: Int32Array,
  batch = 256,
  scoring: TokenScoring = 'full',
): Float64Array {
  const out = new Float64Array(items.length);
  inEvalMode(model, () => {
    for (let a = 0; a < items.length; a += batch) {
      const b = Math.min(items.length, a + batch);
      const lp = tidy(() =>
        noGrad(() => {
          const tb = targetBatch(model.ids, items.subarray(a, b));
          const lp = model.forwardTrain(model.encodeHistories(histories.slice(a, b)), tb.targetIn).logSoftmax(-1);
          const zY = lp.gather(2, tb.targets.unsqueeze(-1)).squeeze(-1);
          const scores =
            scoring === 'full' ? zY : tokenScores(zY, lp.gather(2, tb.valid.tokens), tb.valid.mask, scoring);
          return sequenceLogProbs(scores, tb.mask);
        }),
      );
      out.set(lp, a);
    }
  });
  return out;
}

/**
 * The diagnostics of a GenRecModel on next-item examples (e.g. the test split). Sibling ranks by teacher forcing
 * (`ranks: 'teacher-forced'`, default: one forward per chunk) or by walking the decoder's step model. `scoring` is
 * the distribution beam search, exact search and the overall probabilities rank by (default 'full', as the
 * decoders; 'valid' for a model decoded with eval.scoring 'valid').
 */
export function modelPruningDiagnostics(
  model: GenRecModel,
  examples: readonly Example[],
  settings: PruningSettings & { ranks?: 'teacher-forced' | 'step-model' },
  onProgress?: OnProgress,
): PruningResult {
  const scoring = settings.scoring ?? 'full';
  if (scoring !== 'full' && scoring !== 'valid')
    throw new Error(`pruning: 'scoring' is invalid: ${JSON.stringify(scoring)}`);
  const histories = examples.map((e) => e.history);
  const targets = Int32Array.from(examples, (e) => e.target);
  return inEvalMode(model, () => {
    return pruningDiagnostics(
      {
        trie: model.ids.trie,
        numUsers: examples.length,
        stepModel: (from, to) => model.stepModel(histories.slice(from, to)),
        siblingRanks:
          settings.ranks === 'step-model'
            ? undefined
            : (from, to, tg) => siblingRanksTeacherForced(model, histories.slice(from, to), tg, scoring),
        scoreItems: (users, items) => {
          const P = items.length / users.length;
          const h = Array.from({ length: items.length }, (_, j) => histories[users[Math.floor(j / P)]]);
          return itemLogProbs(model, h, items, 256, scoring);
        },
      },
      targets,
      settings,
      onProgress,
    );
  });
}
