/**
 * Trie-constrained greedy decoding: at every step each user takes the valid child token with the highest
 * log-probability (ties: libtorch's max, the first maximal child), until EOS completes an item.
 * One `model.advance` per step for all unfinished users (finished users are dropped from the batch).
 * The returned log-prob is the sum of the model's log-probs along the item's code. A user whose valid
 * children all have probability 0 (-inf) makes the call throw.
 */
import { noGrad, tidy } from '../engine/index.js';
import { advanceModel, checkUsers, childScores, startModel, type StepOutput } from './common.js';
import type { DecodeInput, Hypothesis } from './types.js';

/** One item per user: the greedy path through the trie. */
export function greedyDecode<S>(input: DecodeInput<S>): Hypothesis[] {
  const { model, trie, numUsers: U } = input;
  checkUsers('greedyDecode', U);
  const item = new Int32Array(U).fill(-1);
  const logProb = new Float64Array(U);
  if (U > 0) {
    noGrad(() => {
      let cur: StepOutput<S> = startModel(model, U);
      let lpLive = true;
      let users = Int32Array.from({ length: U }, (_, u) => u);
      let nodes = new Int32Array(U);
      try {
        for (;;) {
          const n = users.length;
          const ch = trie.batchChildren(nodes);
          if (ch.width === 0) throw new Error('greedyDecode: a running prefix has no valid continuation');
          const lp = cur.logProbs;
          const [vals, idx] = tidy(() => {
            const [v, i] = childScores(lp, ch, null, model.scoring).maxDim(1);
            return [v.toFloat64(), i.toInt32()] as const;
          });
          cur.logProbs.dispose();
          lpLive = false;
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
            const it = trie.leafItem[child];
            if (it >= 0) {
              item[u] = it;
            } else {
              nUsers.push(u);
              nRows.push(r);
              nTokens.push(ch.tokens[e]);
              nNodes.push(child);
            }
          }
          if (nUsers.length === 0) break;
          const next: StepOutput<S> = advanceModel(model, cur.state, Int32Array.from(nRows), Int32Array.from(nTokens));
          model.dispose(cur.state);
          cur = next;
          lpLive = true;
          users = Int32Array.from(nUsers);
          nodes = Int32Array.from(nNodes);
        }
      } finally {
        if (lpLive) cur.logProbs.dispose();
        model.dispose(cur.state);
      }
    });
  }
  const out: Hypothesis[] = [];
  for (let u = 0; u < U; u++) out.push({ item: item[u], logProb: logProb[u] });
  return out;
}
