// V-STAR's candidate generators for next-item GRPO (vstar.md §4.2, Table 4): G distinct items per prompt from
// constrained beam search (the MiniOneRec-style baseline) or from VED guided by the value head, as the rollouts of
// the GRPO trainer (src/train/rl/grpo-task.ts). π_old of each token is the policy's own teacher-forced log-prob at
// generation time (beam and VED do not sample from π, so the ratio starts at 1 as in MiniOneRec's beam GRPO).
import type { Example } from '../../data/types.js';
import { beamSearch } from '../../decode/beam.js';
import { vedDecode, type VedSettings } from '../../decode/ved.js';
import { noGrad } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import { listTokenRows, responseBatch, responseLogProbs } from '../../model/responses.js';
import { headValue, type ValueHead } from '../../model/value-head.js';
import type { CandidateGenerator, Rollouts } from '../../train/rl/grpo-task.js';
import type { TokenScoring } from '../../decode/types.js';

/** Pads each group to exactly G items by repeating its last item (only when the catalogue has fewer than G). */
function fixGroups(groups: number[][], G: number): number[][] {
  return groups.map((g) => {
    if (g.length === 0) throw new Error('candidates: a prompt got no candidate');
    const out = g.slice(0, G);
    while (out.length < G) out.push(out[out.length - 1]);
    return out;
  });
}

/** Rollouts of fixed groups of single items: token rows and the policy's log-probs of their tokens. */
function itemRollouts(
  policy: GenRecModel,
  prompts: readonly Example[],
  groups: number[][],
  modelCalls: number,
): Rollouts {
  const G = groups[0]?.length ?? 0;
  const items = groups.flat().map((i) => [i]);
  const rows = listTokenRows(policy.ids, items);
  const histories = prompts.flatMap((p) => Array.from({ length: G }, () => p.history));
  const old = noGrad(() => responseLogProbs(policy, histories, responseBatch(policy.ids, rows)).toFloat64());
  return { groupSize: G, rows, oldLogProbs: Float64Array.from(old), items, modelCalls };
}

/** Top-G distinct items of beam search of width G. */
export function beamCandidates(policy: GenRecModel, G: number, scoring: TokenScoring): CandidateGenerator<Example> {
  return {
    name: `beam-${G}`,
    generate(prompts) {
      const model = policy.stepModel(prompts.map((p) => p.history));
      const hyps = beamSearch(
        { model, constraint: policy.ids.trie, numUsers: prompts.length },
        { beamWidth: G, topK: G, lengthPenalty: 0, scoring },
      );
      return itemRollouts(
        policy,
        prompts,
        fixGroups(
          hyps.map((h) => h.map((x) => x.item)),
          G,
        ),
        0,
      );
    },
  };
}

/** G distinct items of VED under `settings` (topK is set to G), guided by `head`. */
export function vedCandidates(
  policy: GenRecModel,
  head: ValueHead,
  G: number,
  settings: Omit<VedSettings, 'topK' | 'firstUser'>,
): CandidateGenerator<Example> & { lastCost(): number } {
  let cost = 0;
  return {
    name: `ved-${G}`,
    lastCost: () => cost,
    generate(prompts, round) {
      const model = policy.stepModel(
        prompts.map((p) => p.history),
        { hidden: true },
      );
      const r = vedDecode({ model, constraint: policy.ids.trie, numUsers: prompts.length }, headValue(head), {
        ...settings,
        topK: G,
        seed: settings.seed + round,
        firstUser: 0,
      });
      cost = r.cost.reduce((a, b) => a + b, 0) / Math.max(prompts.length, 1);
      return itemRollouts(
        policy,
        prompts,
        fixGroups(
          r.hypotheses.map((h) => h.map((x) => x.item)),
          G,
        ),
        r.modelCalls,
      );
    },
  };
}
