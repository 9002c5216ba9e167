// One test user's beam search, traced (decode/beam-trace.ts), as the report's beam-tree view: every step's kept and
// pruned prefixes with token texts and item titles, and where the target fell out.
import type { Example } from '../data/index.js';
import { beamSearchDetailed } from '../decode/beam.js';
import type { BeamFate, BeamTrace, BeamTraceEntry } from '../decode/beam-trace.js';
import type { TokenScoring } from '../decode/types.js';
import { inEvalMode, noGrad, tidy } from '../engine/index.js';
import type { ItemIdentifier } from '../ids/index.js';
import type { BeamStepSummary, BeamTreeNode, BeamTreeView, TreeFate } from '../report/beam-tree.js';
import type { DecodableModel } from './recommend.js';

export interface BeamTreeSettings {
  beamWidth: number;
  topK: number;
  scoring: TokenScoring;
  /** Pruned children shown per prefix besides the top-2B-ranked ones and the target's (the rest are counted). */
  prunedShown: number;
  /** History items shown (the most recent). */
  historyShown: number;
}

const FATES: Record<BeamFate, { fate: TreeFate; reason: string }> = {
  beam: { fate: 'kept', reason: '' },
  finished: { fate: 'finished', reason: '' },
  evicted: { fate: 'pruned', reason: 'evicted from the finished pool by a better item' },
  'eos-rank': { fate: 'pruned', reason: 'ends an item but ranked ≥ B' },
  'pool-full': { fate: 'pruned', reason: 'ends an item, not better than the full pool' },
  cut: { fate: 'pruned', reason: 'in the top 2B, but B beams were taken' },
  outside: { fate: 'pruned', reason: 'outside the top 2B' },
  stopped: { fate: 'pruned', reason: 'search stopped (pool full and better)' },
};

/** Beam search for one example with tracing (the model in eval mode, no gradients). */
function traceBeamSearch(
  model: DecodableModel,
  example: Example,
  s: Pick<BeamTreeSettings, 'beamWidth' | 'topK' | 'scoring'>,
): { trace: BeamTrace; prunedAt: number; hypotheses: { item: number; logProb: number }[] } {
  const r = inEvalMode(model, () =>
    tidy(() =>
      noGrad(() =>
        beamSearchDetailed(
          { model: model.stepModel([example.history]), constraint: model.ids.trie, numUsers: 1 },
          { beamWidth: s.beamWidth, topK: s.topK, lengthPenalty: 0, scoring: s.scoring },
          { targets: Int32Array.of(example.target), trace: true },
        ),
      ),
    ),
  );
  return { trace: (r.traces ?? [])[0], prunedAt: r.prunedAt?.[0] ?? -1, hypotheses: r.hypotheses[0] };
}

/** The tree view of a traced search of test row `row` (`ids` spells tokens and names items). */
export function beamTreeView(
  model: DecodableModel,
  ids: ItemIdentifier,
  example: Example,
  row: number,
  s: BeamTreeSettings,
): BeamTreeView {
  const { trace, prunedAt, hypotheses } = traceBeamSearch(model, example, s);
  const path = model.ids.trie.pathOf(example.target, 0);
  const onPath = new Set(path.subarray(1));
  const fellOut = prunedAt >= 0 ? path[prunedAt + 1] : -1;
  const byParent = new Map<number, BeamTraceEntry[]>();
  for (const e of trace.entries) {
    const list = byParent.get(e.parent) ?? [];
    list.push(e);
    byParent.set(e.parent, list);
  }
  const build = (parent: number, step: number): { nodes: BeamTreeNode[]; hidden: number } => {
    const all = (byParent.get(parent) ?? []).filter((e) => e.step === step).sort((a, b) => b.score - a.score);
    let prunedLeft = s.prunedShown;
    const shown = all.filter((e) => {
      if (e.fate !== 'outside' || onPath.has(e.node)) return true;
      return prunedLeft-- > 0;
    });
    const nodes = shown.map((e): BeamTreeNode => {
      const f = FATES[e.fate];
      const kids = e.fate === 'beam' ? build(e.node, step + 1) : { nodes: [], hidden: 0 };
      return {
        token: ids.tokenText(e.token),
        step: e.step,
        score: e.score,
        rank: e.rank,
        fate: f.fate,
        reason: f.reason,
        ...(e.item >= 0 ? { item: ids.describe(e.item) } : {}),
        onTarget: onPath.has(e.node),
        targetFellOut: e.node === fellOut,
        children: kids.nodes,
        hiddenPruned: kids.hidden,
      };
    });
    return { nodes, hidden: all.length - shown.length };
  };
  const steps: BeamStepSummary[] = [];
  for (const e of trace.entries) {
    const st = (steps[e.step] ??= { step: e.step, candidates: 0, kept: 0, finished: 0, pruned: 0 });
    st.candidates++;
    const f = FATES[e.fate].fate;
    if (f === 'kept') st.kept++;
    else if (f === 'finished') st.finished++;
    else st.pruned++;
  }
  const top = build(trace.root, 0);
  const targetRank = hypotheses.findIndex((h) => h.item === example.target) + 1;
  return {
    row,
    user: example.user,
    history: example.history.slice(-s.historyShown).map((i) => ids.describe(i)),
    historyLength: example.history.length,
    target: ids.describe(example.target),
    beamWidth: s.beamWidth,
    topK: s.topK,
    scoring: s.scoring,
    targetPrunedAt: prunedAt,
    targetRank,
    hypotheses: hypotheses.map((h) => ({
      title: ids.describe(h.item),
      logProb: h.logProb,
      isTarget: h.item === example.target,
    })),
    steps: steps.filter((x) => x !== undefined),
    roots: top.nodes,
    rootsHiddenPruned: top.hidden,
  };
}
