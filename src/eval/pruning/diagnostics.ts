/**
 * The search driver of BEAR's beam-search pruning diagnostics (Yang et al. 2026, /work/shared/papers/bear.md §2.3,
 * §3.2, Figures 3, 4, 6), for any model on any split: per chunk of users, beam search of width B (where each target
 * was pruned), the targets' sibling ranks (./sibling-ranks.ts), the witness pool's floors (./witness.ts) and the exact
 * top-K search (src/decode/exact.ts) that finds each target's exact rank; ./summary.ts turns what it collects into
 * the per-user figures and their summary.
 *
 * Users are processed in chunks; every decoder call runs under noGrad / tidy.
 */
import { noGrad, tidy } from '../../engine/index.js';
import { beamSearchDetailed } from '../../decode/beam.js';
import { exactTopK } from '../../decode/exact.js';
import { checkScoring } from '../../decode/common.js';
import type { StepModel } from '../../decode/types.js';
import type { PrefixTrie } from '../../ids/trie.js';
import type { OnProgress } from '../../util/progress.js';
import { checkSettings, type PruningSettings } from './settings.js';
import { siblingRanksFromStepModel, violationSteps, type SiblingRanks } from './sibling-ranks.js';
import { pruningResult, type PruningResult, type PruningSeconds } from './summary.js';
import { searchThresholds, WitnessPool } from './witness.js';

/** Where the diagnostics get their models from: a fresh StepModel per chunk of users, and optionally the ranks. */
export interface PruningSource<S> {
  trie: PrefixTrie;
  numUsers: number;
  /** A decoding session for users [from, to). */
  stepModel(from: number, to: number): StepModel<S>;
  /** Sibling ranks of users [from, to); default: walk the targets with `stepModel` (siblingRanksFromStepModel). */
  siblingRanks?(from: number, to: number, targets: Int32Array): SiblingRanks;
  /** Optional: overall log-probs of `items[j·P + p]` for user `users[j]` (P = items.length / users.length). */
  scoreItems?(users: Int32Array, items: Int32Array): Float64Array;
}

/** Computes the diagnostics for `targets[u]` (one item per user) over all users of `source`. */
export function pruningDiagnostics<S>(
  source: PruningSource<S>,
  targets: Int32Array,
  settings: PruningSettings,
  onProgress?: OnProgress,
): PruningResult {
  checkSettings(settings);
  const { trie, numUsers: U } = source;
  if (targets.length !== U) throw new Error(`pruning: ${targets.length} targets for ${U} users`);
  const B = settings.beamWidth;
  const maxK = Math.max(...settings.ks);
  const mode = settings.exactMode ?? 'target';
  const scoring = settings.scoring ?? 'full';
  checkScoring('pruning', scoring);
  if (mode !== 'target' && mode !== 'full') throw new Error(`pruning: 'exactMode' is invalid: ${JSON.stringify(mode)}`);
  let searched = mode === 'full' ? U : 0;
  let floorMisses = 0;
  const poolSize = settings.poolSize ?? 32;
  if (!Number.isInteger(poolSize) || poolSize < 0)
    throw new Error(`pruning: 'poolSize' is invalid: ${JSON.stringify(poolSize)}`);
  const pool = new WitnessPool(poolSize);
  const beamLists: number[][] = [];
  const exactLists: number[][] = [];
  const prunedAt = new Int32Array(U);
  const violationStep = new Int32Array(U);
  const maxSiblingRank = new Int32Array(U);
  const expansions = new Int32Array(U);
  const seconds: PruningSeconds = { beam: 0, ranks: 0, pool: 0, exact: 0, total: 0 };
  const tStart = performance.now();
  let tPhase = tStart;
  const lap = (phase: Exclude<keyof PruningSeconds, 'total'>): void => {
    const now = performance.now();
    seconds[phase] += (now - tPhase) / 1000;
    tPhase = now;
  };
  for (let from = 0; from < U; from += settings.chunkUsers) {
    const to = Math.min(U, from + settings.chunkUsers);
    const tg = targets.slice(from, to);
    const n = to - from;
    tPhase = performance.now();
    const beam = tidy(() =>
      noGrad(() =>
        beamSearchDetailed(
          { model: source.stepModel(from, to), constraint: trie, numUsers: n },
          { beamWidth: B, topK: maxK, lengthPenalty: 0, scoring },
          { targets: tg },
        ),
      ),
    );
    lap('beam');
    const ranks = source.siblingRanks
      ? source.siblingRanks(from, to, tg)
      : siblingRanksFromStepModel({ model: source.stepModel(from, to), trie, numUsers: n }, tg, scoring);
    lap('ranks');
    let thresholds: Float64Array | undefined;
    if (mode === 'target') {
      const floors = searchThresholds(source, { from, tg, beam, ranks }, maxK, pool);
      thresholds = floors.thresholds;
      searched += floors.searched;
    }
    lap('pool');
    const exact = tidy(() =>
      noGrad(() =>
        exactTopK(
          { model: source.stepModel(from, to), constraint: trie, numUsers: n },
          {
            topK: maxK,
            scoring,
            maxRowsPerRound: settings.exactMaxRowsPerRound ?? 4096,
            maxPopsPerUser: settings.exactMaxPopsPerUser ?? 32,
            thresholds,
          },
        ),
      ),
    );
    lap('exact');
    const viol = violationSteps(ranks, B);
    for (let i = 0; i < n; i++) {
      // a floored search returns every item above log p(target) − margin (up to max K): the target must be among them
      const ex = exact.hypotheses[i];
      pool.add(ex);
      if (thresholds && thresholds[i] !== Infinity && ex.length < maxK && !ex.some((h) => h.item === tg[i]))
        floorMisses++;
      beamLists.push(beam.hypotheses[i].map((h) => h.item));
      exactLists.push(exact.hypotheses[i].map((h) => h.item));
      prunedAt[from + i] = beam.prunedAt![i];
      expansions[from + i] = exact.expansions[i];
      violationStep[from + i] = viol[i];
      let m = 0;
      for (let t = 0; t < ranks.lengths[i]; t++) m = Math.max(m, ranks.ranks[i * ranks.width + t]);
      maxSiblingRank[from + i] = m;
    }
    onProgress?.(to, U);
  }
  return pruningResult(
    targets,
    settings,
    { beamLists, exactLists, prunedAt, violationStep, maxSiblingRank, expansions },
    { trie, mode, searched, floorMisses, seconds, tStart },
  );
}
