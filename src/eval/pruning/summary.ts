/**
 * What the pruning diagnostics return (BEAR, /work/shared/papers/bear.md §2.3, Figures 3, 6), per user (for paired
 * bootstraps) and summarised:
 *
 * - PR@K (pruning rate): among the cases whose target is in the EXACT top-K items by overall probability
 *   (exactTopK), the share that beam search of width B does NOT return in its top-K.
 * - Necessary-condition share ("Prop" of Figure 4): among those pruned cases, the share where some target token is
 *   not in the top-B of its trie-valid siblings at its step (./sibling-ranks.ts).
 * - What pruning costs: HR/NDCG@K of exact top-K decoding next to beam search, and the exact search's model rows
 *   per user (its expansions) against the trie's internal node count (rows an exhaustive scoring needs) and size.
 */
import type { PrefixTrie } from '../../ids/trie.js';
import { evaluateRankings, rankingMetricNames } from '../metrics.js';
import type { PruningSettings } from './settings.js';

export interface PruningPerUser {
  /** The items beam search returned, best first (up to max K): the lists a plain evaluation decodes. */
  beamLists: number[][];
  /** Position of the target in beam search's top-maxK, −1 if absent. */
  beamRank: Int32Array;
  /** Position of the target in the exact top-maxK, −1 if absent. */
  exactRank: Int32Array;
  /** Beam step at which the target was pruned (beamSearchDetailed), −1 if it reached the final pool. */
  prunedAt: Int32Array;
  /** First step where the target token's sibling rank is ≥ B, −1 if the necessary condition holds. */
  violationStep: Int32Array;
  /** Largest sibling rank along the target's path. */
  maxSiblingRank: Int32Array;
  /** Model rows the exact search evaluated for the user. */
  expansions: Int32Array;
  /** Per K (key 'pr@K'): 1 if the case counts (target in exact top-K), else 0. */
  isCase: Record<string, Uint8Array>;
  /** Per K: 1 if a case whose target beam search does not return in its top-K. */
  pruned: Record<string, Uint8Array>;
  /** HR@K / NDCG@K per user, of beam search and of exact search. */
  beam: Record<string, Float64Array>;
  exact: Record<string, Float64Array>;
}

export interface PruningKSummary {
  /** Users whose target is in the exact top-K. */
  cases: number;
  /** Of those, pruned by beam search (not in its top-K). */
  pruned: number;
  /** PR@K = pruned / cases (NaN with no case). */
  rate: number;
  /** Pruned cases violating the necessary condition. */
  violated: number;
  /** violated / pruned (NaN with no pruned case). */
  necessaryShare: number;
}

export interface PruningSummary {
  users: number;
  beamWidth: number;
  /** Keyed 'pr@K'. */
  byK: Record<string, PruningKSummary>;
  /** Mean HR@K / NDCG@K of beam search and of exact top-K decoding. */
  beam: Record<string, number>;
  exact: Record<string, number>;
  /** Share of all users whose target violates the necessary condition. */
  violationRate: number;
  /** Mean exact-search expansions per user, the trie's internal node count and node count. */
  meanExpansions: number;
  /** 'target' or 'full' (PruningSettings.exactMode), users the exact search ran for, and floored searches that did not
   * find the target although it is above its own floor (a teacher-forced vs step-wise scoring mismatch; should be 0). */
  exactMode: 'target' | 'full';
  searchedUsers: number;
  floorMisses: number;
  internalNodes: number;
  numNodes: number;
  /** Wall-clock seconds per phase: beam search, sibling ranks, witness-pool scoring, exact search, and in all. */
  seconds: PruningSeconds;
}

export interface PruningSeconds {
  beam: number;
  ranks: number;
  pool: number;
  exact: number;
  total: number;
}

export interface PruningResult {
  perUser: PruningPerUser;
  summary: PruningSummary;
}

/** What the search driver (./diagnostics.ts) collects per user over all chunks. */
export interface PruningCollected {
  beamLists: number[][];
  exactLists: number[][];
  prunedAt: Int32Array;
  violationStep: Int32Array;
  maxSiblingRank: Int32Array;
  expansions: Int32Array;
}

/** The search's run: the trie, the exact mode, its counts and phase timings (`tStart`: performance.now() at start). */
export interface PruningRun {
  trie: PrefixTrie;
  mode: 'target' | 'full';
  searched: number;
  floorMisses: number;
  seconds: PruningSeconds;
  tStart: number;
}

/** The per-user figures of `targets[u]` and their summary (see module comment). */
export function pruningResult(
  targets: Int32Array,
  settings: PruningSettings,
  collected: PruningCollected,
  run: PruningRun,
): PruningResult {
  const U = targets.length;
  const B = settings.beamWidth;
  const { beamLists, exactLists, prunedAt, violationStep, maxSiblingRank, expansions } = collected;
  const { trie, mode, searched, floorMisses, seconds, tStart } = run;
  const rankOf = (lists: number[][]): Int32Array => Int32Array.from(lists, (l, u) => l.indexOf(targets[u]));
  const beamRank = rankOf(beamLists);
  const exactRank = rankOf(exactLists);
  const metrics = rankingMetricNames(settings.ks);
  const beamEval = evaluateRankings(beamLists, targets, metrics);
  const exactEval = evaluateRankings(exactLists, targets, metrics);
  const isCase: Record<string, Uint8Array> = {};
  const pruned: Record<string, Uint8Array> = {};
  const byK: Record<string, PruningKSummary> = {};
  for (const k of settings.ks) {
    const key = `pr@${k}`;
    const c = new Uint8Array(U);
    const p = new Uint8Array(U);
    let cases = 0;
    let np = 0;
    let violated = 0;
    for (let u = 0; u < U; u++) {
      if (exactRank[u] < 0 || exactRank[u] >= k) continue;
      c[u] = 1;
      cases++;
      if (beamRank[u] >= 0 && beamRank[u] < k) continue;
      p[u] = 1;
      np++;
      if (violationStep[u] >= 0) violated++;
    }
    isCase[key] = c;
    pruned[key] = p;
    byK[key] = {
      cases,
      pruned: np,
      rate: cases > 0 ? np / cases : NaN,
      violated,
      necessaryShare: np > 0 ? violated / np : NaN,
    };
  }
  let nViol = 0;
  let sumExp = 0;
  for (let u = 0; u < U; u++) {
    if (violationStep[u] >= 0) nViol++;
    sumExp += expansions[u];
  }
  return {
    perUser: {
      beamLists,
      beamRank,
      exactRank,
      prunedAt,
      violationStep,
      maxSiblingRank,
      expansions,
      isCase,
      pruned,
      beam: beamEval.perUser,
      exact: exactEval.perUser,
    },
    summary: {
      users: U,
      beamWidth: B,
      byK,
      beam: beamEval.mean,
      exact: exactEval.mean,
      violationRate: U > 0 ? nViol / U : NaN,
      meanExpansions: U > 0 ? sumExp / U : NaN,
      internalNodes: trie.internalNodes,
      numNodes: trie.numNodes,
      exactMode: mode,
      searchedUsers: searched,
      floorMisses,
      seconds: { ...seconds, total: (performance.now() - tStart) / 1000 },
    },
  };
}
