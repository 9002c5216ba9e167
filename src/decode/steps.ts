// The step loop that beam search, greedy decoding and sampling share: they differ only in how they pick
// the next tokens of a step, not in how the model is driven or how its memory is handled.
// (Exact top-K search is best-first over prefixes of different lengths and states; it drives the model itself.)
import { noGrad } from '../engine/index.js';
import { advanceModel, disposeOutputs, startModel, type StepOutput } from './common.js';
import type { StepModel } from './types.js';

/** The rows a step continues: new row i extends row `rows[i]` of the step's state with `tokens[i]`. */
export interface StepChoice {
  rows: Int32Array;
  tokens: Int32Array;
}

export interface StepCounts {
  /** Model calls made: start + advances. */
  steps: number;
  /** Model rows evaluated: the users at start + every advanced row. */
  rowsEvaluated: number;
}

/**
 * Starts `model` for `numUsers` users, then calls `pick(out, step)` on each step's output (step 0 = the users'
 * first tokens) and advances the model on the rows it returns, until it returns null or no rows. `pick` reads
 * `out.logProbs` (and `out.hidden`, when the model gives it) synchronously; the loop disposes them right after it
 * returns (or throws), and frees every state, so a decoder owns no tensor. Runs under noGrad.
 */
export function runSteps<S>(
  model: StepModel<S>,
  numUsers: number,
  pick: (out: StepOutput<S>, step: number) => StepChoice | null,
): StepCounts {
  const counts: StepCounts = { steps: 0, rowsEvaluated: 0 };
  if (numUsers === 0) return counts;
  noGrad(() => {
    let cur: StepOutput<S> = startModel(model, numUsers);
    let outputsLive = true;
    counts.steps = 1;
    counts.rowsEvaluated = numUsers;
    try {
      for (let step = 0; ; step++) {
        let choice: StepChoice | null;
        try {
          choice = pick(cur, step);
        } finally {
          disposeOutputs(cur);
          outputsLive = false;
        }
        if (choice === null || choice.rows.length === 0) break;
        const next = advanceModel(model, cur.state, choice.rows, choice.tokens);
        model.dispose(cur.state);
        cur = next;
        outputsLive = true;
        counts.steps++;
        counts.rowsEvaluated += choice.rows.length;
      }
    } finally {
      if (outputsLive) disposeOutputs(cur);
      model.dispose(cur.state);
    }
  });
  return counts;
}
