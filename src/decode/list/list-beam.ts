/**
 * "Beam list" (BLADE §4.1.2's Beam Search baseline): the top-K distinct hypotheses of next-item beam search
 * (../beam.ts, width B ≥ K, HF semantics, ranked under `scoring`; with `excludeHistory` over the trie minus the user's
 * history), most likely first, read as one list of K items. Each item is scored from the prompt alone — the
 * independence assumption the paper blames for its repetitive lists.
 *
 * The response is the concatenation of the K identifiers; it is then re-scored as one list: fed token by token
 * through a second session of the step model (a second `start`), which records `logProbs` = log π(token | prompt,
 * response so far) under `scoring`, as the other list decoders do (`behaviourLogProbs` 0: nothing is sampled). The
 * beam's own next-item scores are `hypotheses`. Fewer than K items only when fewer are reachable.
 */
import { beamSearch } from '../beam.js';
import { checkInt } from '../common.js';
import { ExcludeItems } from '../exclude.js';
import type { Hypothesis, TokenScoring } from '../types.js';
import { decodeLists } from './list-steps.js';
import type { ListDecoderEntry, ListDecoderInput, ListResponses } from './types.js';

export interface ListBeamSettings {
  listLength: number;
  /** B ≥ listLength. */
  beamWidth: number;
  excludeHistory: boolean;
  scoring: TokenScoring;
}

export interface ListBeamResult extends ListResponses {
  /** Per user: the beam's items with their next-item log-probs (under `scoring`), best first: the list's order. */
  hypotheses: Hypothesis[][];
}

const WHERE = 'listBeam';

/** One list per user: beam search's top K (see the module comment). */
export function listBeam<S>(input: ListDecoderInput<S>, settings: ListBeamSettings): ListBeamResult {
  checkInt(WHERE, 'listLength', settings.listLength, 1);
  checkInt(WHERE, 'beamWidth', settings.beamWidth, settings.listLength);
  const { model, constraint: base, numUsers, histories } = input;
  if (settings.excludeHistory && histories === undefined)
    throw new Error(`${WHERE}: excludeHistory needs the histories`);
  const constraint = settings.excludeHistory ? new ExcludeItems(base, histories!) : base;
  const hypotheses = beamSearch(
    { model, constraint, numUsers },
    { beamWidth: settings.beamWidth, topK: settings.listLength, lengthPenalty: 0, scoring: settings.scoring },
  );
  // each user's response: the items' identifiers in rank order
  const forced = hypotheses.map((hs) =>
    hs.flatMap((h) => {
      const path = base.pathOf(h.item, 0);
      return Array.from(base.spell(path[path.length - 1]));
    }),
  );
  const pos = new Int32Array(numUsers);
  const res = decodeLists(input, { ...settings, numSamples: 1 }, WHERE, ({ responses, children }) => {
    const C = children.width;
    const pick = Int32Array.from(responses, (u, r) => {
      if (pos[u] === forced[u].length) return -1;
      const tok = forced[u][pos[u]++];
      for (let c = 0; c < C; c++) if (children.tokens[r * C + c] === tok) return c;
      throw new Error(`${WHERE}: internal error: user ${u}'s beam list is not valid under the list constraint`);
    });
    return { pick, behaviour: null };
  });
  return { ...res, hypotheses };
}

/** The list registry's entry (./registry.ts). */
export const listBeamDecoder: ListDecoderEntry = {
  name: 'beam',
  doc: 'Beam list: the top-K distinct items of next-item beam search of width beamWidth, as one list (BLADE Beam Search baseline).',
  settings: ['listLength', 'beamWidth', 'excludeHistory', 'scoring'],
  run: (input, s) =>
    listBeam(input, {
      listLength: s.listLength,
      beamWidth: s.beamWidth,
      excludeHistory: s.excludeHistory,
      scoring: s.scoring,
    }),
};
