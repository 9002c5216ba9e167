// The report's beam-tree view of one test user's beam search: each step's kept and pruned prefixes, nested by the
// beam they extend, and where the target's prefix fell out. Rendered as nested <details> elements, so a node expands
// on click without any script; the path to the target and the finished items are marked.
import { escapeHtml, fixed } from './html.js';

/** What became of a prefix: kept as a beam, finished (its item entered the final pool), or pruned (with why). */
export type TreeFate = 'kept' | 'finished' | 'pruned';

export interface BeamTreeNode {
  /** Display text of the prefix's last token. */
  token: string;
  /** Decoding step (0 = first token). */
  step: number;
  /** Sum of the prefix's token log-probabilities. */
  score: number;
  /** Rank among the user's top-2B candidates of its step, -1 outside them. */
  rank: number;
  fate: TreeFate;
  /** Why it was pruned (or dropped), in words; empty for kept / finished prefixes. */
  reason: string;
  /** The item it completes (its title), if it ends an identifier. */
  item?: string;
  /** A prefix of the target item's identifier. */
  onTarget: boolean;
  /** The target's prefix that was pruned: where the target fell out of the search. */
  targetFellOut: boolean;
  children: BeamTreeNode[];
  /** Pruned children not shown (the view keeps the top-ranked ones and the target's). */
  hiddenPruned: number;
}

export interface BeamStepSummary {
  step: number;
  candidates: number;
  kept: number;
  finished: number;
  pruned: number;
}

export interface BeamTreeView {
  /** Test row (0-based) and user id. */
  row: number;
  user: string;
  /** Titles of the user's last history items (oldest first) and how many items the history has. */
  history: string[];
  historyLength: number;
  target: string;
  beamWidth: number;
  topK: number;
  scoring: string;
  /** Step the target's prefix was pruned at, -1 if it reached the final pool. */
  targetPrunedAt: number;
  /** 1-based rank of the target in the returned list, 0 if absent. */
  targetRank: number;
  /** The returned list, best first. */
  hypotheses: { title: string; logProb: number; isTarget: boolean }[];
  steps: BeamStepSummary[];
  /** The first step's prefixes (the root's children) and how many pruned ones are not shown. */
  roots: BeamTreeNode[];
  rootsHiddenPruned: number;
}

function nodeHtml(n: BeamTreeNode): string {
  const cls = ['bt-node', `bt-${n.fate}`, n.onTarget ? 'bt-target' : '', n.targetFellOut ? 'bt-fell' : '']
    .filter(Boolean)
    .join(' ');
  const badge = n.fate === 'pruned' ? `pruned: ${n.reason}` : n.fate;
  const label =
    `<span class="bt-token">${escapeHtml(n.token)}</span> <span class="bt-score">${fixed(n.score, 3)}</span>` +
    ` <span class="bt-badge">${escapeHtml(badge)}</span>` +
    (n.rank >= 0 ? ` <span class="bt-rank">rank ${n.rank + 1}</span>` : '') +
    (n.item !== undefined ? ` <span class="bt-item">→ ${escapeHtml(n.item)}</span>` : '') +
    (n.targetFellOut ? ' <span class="bt-fell-note">target fell out here</span>' : '');
  const more = n.hiddenPruned > 0 ? `<div class="bt-more">… ${n.hiddenPruned} more pruned</div>` : '';
  if (n.children.length === 0 && more === '') return `<div class="${cls} bt-leaf">${label}</div>`;
  const open = n.onTarget ? ' open' : ''; // the target's path starts expanded
  return `<details class="${cls}"${open}><summary>${label}</summary><div class="bt-children">${n.children.map(nodeHtml).join('')}${more}</div></details>`;
}

/** The beam-tree section of one run: what was decoded for whom, a per-step summary and the tree. */
export function beamTreeHtml(v: BeamTreeView): string {
  const outcome =
    v.targetPrunedAt >= 0
      ? `the target fell out at step ${v.targetPrunedAt}`
      : v.targetRank > 0
        ? `the target is ranked ${v.targetRank}`
        : `the target reached the final pool but not the top ${v.topK}`;
  const steps = v.steps
    .map(
      (s) =>
        `<tr><td>${s.step}</td><td>${s.candidates}</td><td>${s.kept}</td><td>${s.finished}</td><td>${s.pruned}</td></tr>`,
    )
    .join('');
  const hyps = v.hypotheses
    .map((h) => `<li${h.isTarget ? ' class="bt-target"' : ''}>${escapeHtml(h.title)} (${fixed(h.logProb, 3)})</li>`)
    .join('');
  return [
    `<div class="beam-tree">`,
    `<p>Test row ${v.row} (user ${escapeHtml(v.user)}), beam ${v.beamWidth}, top ${v.topK}, scoring ${escapeHtml(v.scoring)}: ${outcome}.</p>`,
    `<p class="bt-history">History (${v.historyLength} items, last ${v.history.length}): ${v.history.map(escapeHtml).join(' · ')}</p>`,
    `<p class="bt-target-line">Target: <span class="bt-target">${escapeHtml(v.target)}</span></p>`,
    `<details class="bt-steps"><summary>Per step (${v.steps.length} steps): candidates, kept, finished, pruned</summary><table><thead><tr><th>step</th><th>candidates</th><th>kept</th><th>finished</th><th>pruned</th></tr></thead><tbody>${steps}</tbody></table></details>`,
    `<details class="bt-list"><summary>Returned list (${v.hypotheses.length})</summary><ol>${hyps}</ol></details>`,
    `<div class="bt-tree">${v.roots.map(nodeHtml).join('')}${v.rootsHiddenPruned > 0 ? `<div class="bt-more">… ${v.rootsHiddenPruned} more pruned</div>` : ''}</div>`,
    `</div>`,
  ].join('\n');
}
