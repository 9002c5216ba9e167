// Wires the generative recommender, a training objective and validation decoding into the
// generic trainer's TrainTask.
import type { Example } from '../data/types.js';
import type { GenRecModel } from '../model/genrec.js';
import type { Objective, ObjectiveOutput } from '../train/objectives/types.js';
import type { TrainTask } from '../train/types.js';
import { targetBatch } from './batch.js';
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
      const hist = model.encodeHistories(batch.map((e) => e.history));
      const tb = targetBatch(
        model.ids,
        batch.map((e) => e.target),
      );
      const logits = model.forwardTrain(hist, tb.targetIn);
      return objective({ logits, targets: tb.targets, mask: tb.mask, valid: tb.valid });
    },
    validate() {
      const r = evaluateModel(model, valid, evalSettings);
      return { score: r.mean['ndcg@10'] ?? r.mean[r.metrics[0]], metrics: r.mean };
    },
  };
}

/**
 * Training on every prefix of each window: a window (h_1 … h_k → t) also yields
 * (h_1 … h_{j-1} → h_j) for j = 2..k. The data README measured this as the largest lever.
 */
export function expandPrefixes(examples: readonly Example[]): Example[] {
  const out: Example[] = [];
  for (const e of examples) {
    for (let j = 1; j < e.history.length; j++) {
      out.push({ user: e.user, history: e.history.slice(0, j), target: e.history[j], timestamp: e.timestamp });
    }
    out.push(e);
  }
  return out;
}
