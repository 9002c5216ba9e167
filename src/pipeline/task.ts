// Wires the generative recommender, a training objective and validation decoding into the
// generic trainer's TrainTask. Objectives that need more than teacher-forced logits get them from their own
// `prepare` hook, called here generically (the task knows no objective by name).
import type { Example } from '../data/types.js';
import { inEvalMode, noGrad } from '../engine/index.js';
import type { GenRecModel } from '../model/genrec.js';
import type { Objective, ObjectiveOutput, PrepareContext, TargetInput } from '../train/objectives/types.js';
import type { TrainTask } from '../train/types.js';
import { targetBatch } from '../model/targets.js';
import { evaluateModel, type EvalSettings } from './evaluate.js';

export function nextItemTask(
  model: GenRecModel,
  objective: Objective,
  valid: readonly Example[],
  evalSettings: EvalSettings,
): TrainTask<Example> {
  return {
    model,
    loss(batch: Example[]): ObjectiveOutput {
      const histories = batch.map((e) => e.history);
      const hist = model.encodeHistories(histories);
      const tb = targetBatch(
        model.ids,
        batch.map((e) => e.target),
      );
      const target: TargetInput = { targets: tb.targets, mask: tb.mask, valid: tb.valid };
      // Before the forward pass, as always: the hook may decode with the model (in eval mode, restored after).
      const extras = objective.prepare?.(prepareContext(model, histories, target));
      const logits = model.forwardTrain(hist, tb.targetIn);
      // Extras first: they can add inputs, never replace the teacher-forced ones.
      return objective({ ...extras, logits, ...target });
    },
    validate() {
      const r = evaluateModel(model, valid, evalSettings);
      return { score: r.mean['ndcg@10'] ?? r.mean[r.metrics[0]], metrics: r.mean };
    },
  };
}

/**
 * What an objective's `prepare` hook sees of a batch of `model`'s training (see PrepareContext): its step interface
 * runs with the model in eval mode (no dropout) and no gradient, and the mode is restored.
 */
export function prepareContext(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  target: TargetInput,
): PrepareContext {
  return {
    histories,
    target,
    trie: model.ids.trie,
    withStepModel(fn) {
      return inEvalMode(model, () => noGrad(() => fn(model.stepModel(histories))));
    },
  };
}

/** Which prefixes {@link expandPrefixes} adds: every one, or only those whose target no longer context covers. */
export type PrefixTargets = 'all' | 'novel';

/** History items that identify a position of a user's sequence in the novelty check (see expandPrefixes). */
const TAIL = 3;

function positionKey(user: string, history: readonly number[], target: number, tail: number): string {
  return `${user}\u0000${history.slice(history.length - tail).join(',')}>${target}`;
}

/**
 * Training on every prefix of each window: a window (h_1 … h_k → t) also yields
 * (h_1 … h_{j-1} → h_j) for j = 2..k. The data README measured this as the largest lever.
 *
 * With sliding windows most prefixes repeat a target that an earlier window of the same user already trains with a
 * longer history. `'novel'` adds a prefix only where no row of the same user has that target after the same (up to
 * 3) preceding items — in effect the first items of each user's sequence, which no window has as its target
 * (amazon-office: 13,860 rows → 34,094 examples instead of 129,251 with `'all'`).
 */
export function expandPrefixes(examples: readonly Example[], which: PrefixTargets = 'all'): Example[] {
  // every (user, up to 3 preceding items, target) a row or an added prefix trains
  const covered = new Set<string>();
  const cover = (user: string, history: readonly number[], target: number): void => {
    for (let t = 1; t <= Math.min(TAIL, history.length); t++) covered.add(positionKey(user, history, target, t));
  };
  if (which === 'novel') for (const e of examples) cover(e.user, e.history, e.target);
  const out: Example[] = [];
  for (const e of examples) {
    for (let j = 1; j < e.history.length; j++) {
      const history = e.history.slice(0, j);
      if (which === 'novel') {
        if (covered.has(positionKey(e.user, history, e.history[j], Math.min(TAIL, j)))) continue;
        cover(e.user, history, e.history[j]);
      }
      out.push({ user: e.user, history, target: e.history[j], timestamp: e.timestamp });
    }
    out.push(e);
  }
  return out;
}
