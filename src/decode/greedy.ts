/**
 * Constrained greedy decoding: at every step each user takes the valid child token with the highest
 * log-probability (ties: libtorch's max, the first maximal child), until EOS completes an item.
 * One `model.advance` per step for all unfinished users (finished users are dropped from the batch).
 * The returned log-prob is the sum of the log-probs (under `scoring`) along the item's code. A user whose valid
 * children all have probability 0 (-inf) makes the call throw.
 */
import { tidy } from '../engine/index.js';
import { checkScoring, checkUsers, childScores } from './common.js';
import type { DecoderEntry } from './entry.js';
import { runSteps } from './steps.js';
import type { DecoderInput, Hypothesis, TokenScoring } from './types.js';

export interface GreedySettings {
  /** Distribution ranked by. */
  scoring: TokenScoring;
}

/** One item per user: the greedy path through the constraint. */
export function greedyDecode<S>(input: DecoderInput<S>, settings: GreedySettings): Hypothesis[] {
  const { model, constraint, numUsers: U } = input;
  checkUsers('greedyDecode', U);
  checkScoring('greedyDecode', settings.scoring);
  const item = new Int32Array(U).fill(-1);
  const logProb = new Float64Array(U);
  let users = Int32Array.from({ length: U }, (_, u) => u);
  let nodes = Int32Array.from({ length: U }, (_, u) => constraint.rootOf(u));
  runSteps(model, U, (cur) => {
    const n = users.length;
    const ch = constraint.batchChildren(nodes);
    if (ch.width === 0) throw new Error('greedyDecode: a running prefix has no valid continuation');
    const lp = cur.logProbs;
    const [vals, idx] = tidy(() => {
      const [v, i] = childScores(lp, ch, null, settings.scoring).maxDim(1);
      return [v.toFloat64(), i.toInt32()] as const;
    });
    const nUsers: number[] = [];
    const nRows: number[] = [];
    const nTokens: number[] = [];
    const nNodes: number[] = [];
    for (let r = 0; r < n; r++) {
      const u = users[r];
      if (vals[r] === -Infinity) {
        throw new Error(`greedyDecode: user ${u}: the model gives probability 0 to every valid continuation`);
      }
      logProb[u] += vals[r];
      const e = r * ch.width + idx[r];
      const child = ch.next[e];
      const it = constraint.itemAt(child);
      if (it >= 0) {
        item[u] = it;
      } else {
        nUsers.push(u);
        nRows.push(r);
        nTokens.push(ch.tokens[e]);
        nNodes.push(child);
      }
    }
    users = Int32Array.from(nUsers);
    nodes = Int32Array.from(nNodes);
    return { rows: Int32Array.from(nRows), tokens: Int32Array.from(nTokens) };
  });
  const out: Hypothesis[] = [];
  for (let u = 0; u < U; u++) out.push({ item: item[u], logProb: logProb[u] });
  return out;
}

/** The registry's entry (./registry.ts): the greedy item, a list of one per user. */
export const greedyDecoder: DecoderEntry = {
  name: 'greedy',
  doc: 'Constrained greedy decoding: one item per user, the most likely valid token at each step.',
  settings: ['scoring'],
  run: (input, s) => greedyDecode(input, { scoring: s.scoring }).map((h) => [h]),
};
