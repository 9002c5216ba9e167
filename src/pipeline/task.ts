// Wires the generative recommender, a training objective and validation decoding into the
// generic trainer's TrainTask.
import type { Example } from '../data/types.js';
import { noGrad, tensor, type Tensor } from '../engine/index.js';
import type { GenRecModel } from '../model/genrec.js';
import { simulateBeamThresholds } from '../train/objectives/beam-sim.js';
import type { Objective, ObjectiveOutput } from '../train/objectives/types.js';
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
      const req = objective.beamThresholds;
      const beamThresholds =
        req === undefined ? undefined : beamThresholdsFor(model, histories, tb.targets.shape[1], req.beamWidth);
      const logits = model.forwardTrain(hist, tb.targetIn);
      return objective({ logits, targets: tb.targets, mask: tb.mask, valid: tb.valid, beamThresholds });
    },
    validate() {
      const r = evaluateModel(model, valid, evalSettings);
      return { score: r.mean['ndcg@10'] ?? r.mean[r.metrics[0]], metrics: r.mean };
    },
  };
}

/**
 * [B, L] float64 thresholds of a beam search of width `beamWidth` simulated on `histories` (see
 * simulateBeamThresholds), with the model in eval mode (no dropout) and no gradient; the mode is restored.
 */
export function beamThresholdsFor(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  width: number,
  beamWidth: number,
): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    const thr = noGrad(() =>
      simulateBeamThresholds(
        { model: model.stepModel(histories), trie: model.ids.trie, numUsers: histories.length },
        beamWidth,
        width,
      ),
    );
    return tensor(thr, [histories.length, width], 'float64');
  } finally {
    model.train(wasTraining);
  }
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
