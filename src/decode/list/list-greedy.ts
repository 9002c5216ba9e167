/**
 * Greedy list decoding (BLADE §4.1.4 evaluates every trained model this way): one response per user, each step the
 * valid token of the list constraint with the highest model log-prob (ties: the smallest token), until K items are
 * decoded. The list constraint (./list-constraint.ts) restarts at the root after each end token, minus the items
 * already in the list (and the history with `excludeHistory`). No temperature, no repetition penalty; the argmax is
 * the same under either scoring, which only decides the recorded log-probs.
 */
import type { ListDecoderEntry, ListDecoderInput, ListResponses } from './types.js';
import { decodeLists, type ListRunSettings } from './list-steps.js';
import type { TokenScoring } from '../types.js';

export interface ListGreedySettings {
  listLength: number;
  excludeHistory: boolean;
  scoring: TokenScoring;
}

/** One greedy list per user (numSamples = 1; behaviour log-probs 0). */
export function listGreedy<S>(input: ListDecoderInput<S>, settings: ListGreedySettings): ListResponses {
  const run: ListRunSettings = { ...settings, numSamples: 1 };
  return decodeLists(input, run, 'listGreedy', ({ scores, children }) => {
    const C = children.width;
    const s = scores.toFloat64();
    const pick = new Int32Array(s.length / C);
    for (let r = 0; r < pick.length; r++) {
      for (let c = 1; c < C; c++) if (s[r * C + c] > s[r * C + pick[r]]) pick[r] = c;
    }
    return { pick, behaviour: null };
  });
}

/** The list registry's entry (./registry.ts). */
export const listGreedyDecoder: ListDecoderEntry = {
  name: 'greedy',
  doc: 'Greedy list decoding: the most likely valid token at each step, K distinct items in a row.',
  settings: ['listLength', 'excludeHistory', 'scoring'],
  run: (input, s) =>
    listGreedy(input, { listLength: s.listLength, excludeHistory: s.excludeHistory, scoring: s.scoring }),
};
