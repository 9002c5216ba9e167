/**
 * Beam-search pruning diagnostics of BEAR (Yang et al. 2026, /work/shared/papers/bear.md §2.3, §3.2, Figures 3, 4,
 * 6), for any trained model on any split:
 *
 * - PR@K (pruning rate): among the cases whose target is in the EXACT top-K items by overall probability
 *   (exactTopK), the share that beam search of width B does NOT return in its top-K.
 * - Necessary-condition share ("Prop" of Figure 4): among those pruned cases, the share where some target token is
 *   not in the top-B of its trie-valid siblings at its step (eq. 3.2, restricted to the valid children as
 *   constrained decoding is). The sibling rank of token y_t is the number of valid children c of the prefix y_<t
 *   with p(c | y_<t, x) STRICTLY greater than p(y_t | y_<t, x) (ties favour the target); violated iff rank ≥ B.
 *   Caveat: with the Hugging Face semantics of src/decode/beam.ts an EOS sibling does not take a running-beam slot,
 *   so a non-EOS token whose B better siblings include EOS may still survive; the paper's condition ignores this.
 * - What pruning costs: HR/NDCG@K of exact top-K decoding next to beam search, and the exact search's model rows
 *   per user (its expansions) against the trie's internal node count (rows an exhaustive scoring needs) and size.
 *
 * Everything is returned per user (for paired bootstraps) and summarised. Users are processed in chunks; every
 * decoder call runs under noGrad / tidy.
 */
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import { beamSearchDetailed } from '../decode/beam.js';
import { exactTopK } from '../decode/exact.js';
import {
  advanceModel,
  checkScoring,
  childScores,
  startModel,
  validLogNormaliser,
  type StepOutput,
  type TokenScoring,
} from '../decode/common.js';
import type { StepModel } from '../decode/types.js';
import type { PrefixTrie } from '../ids/trie.js';
import type { GenRecModel } from '../model/genrec.js';
import type { Example } from '../data/types.js';
import { targetBatch } from '../model/targets.js';
import { evaluateRankings, rankingMetricNames } from './metrics.js';
import type { OnProgress } from '../util/progress.js';

/** Rank of every target token among its trie-valid siblings (see module comment). */
export interface SiblingRanks {
  /** Row width: the longest code among the targets. */
  width: number;
  /** U × width: rank at step t (0 = most probable valid child), −1 beyond the code's length. */
  ranks: Int32Array;
  /** Per user: code length (including EOS). */
  lengths: Int32Array;
  /** Per user: the target's overall log-prob, Σ_t log p(y_t | y_<t, x) (the decoders' scoring). */
  logProb: Float64Array;
}

/** Per user: the first step whose sibling rank is ≥ beamWidth, or −1 if the necessary condition holds. */
export function violationSteps(r: SiblingRanks, beamWidth: number): Int32Array {
  const U = r.lengths.length;
  const out = new Int32Array(U).fill(-1);
  for (let u = 0; u < U; u++) {
    for (let t = 0; t < r.lengths[u]; t++) {
      if (r.ranks[u * r.width + t] >= beamWidth) {
        out[u] = t;
        break;
      }
    }
  }
  return out;
}

/**
 * Sibling ranks from a StepModel: walks each target's path with one `advance` per step (rows of users whose code
 * continues, token = the target token). Works with any model implementing the decoders' interface.
 */
export function siblingRanksFromStepModel<S>(
  input: { model: StepModel<S>; trie: PrefixTrie; numUsers: number },
  targets: Int32Array,
  scoring: TokenScoring = 'full',
): SiblingRanks {
  const { model, trie, numUsers: U } = input;
  if (targets.length !== U) throw new Error(`siblingRanks: ${targets.length} targets for ${U} users`);
  const paths = trie.targetPaths(targets);
  const W = paths.width;
  const ranks = new Int32Array(U * W).fill(-1);
  const logProb = new Float64Array(U);
  if (U === 0 || W === 0) return { width: W, ranks, lengths: paths.lengths, logProb };
  noGrad(() => {
    let cur: StepOutput<S> = startModel(model, U);
    let lpLive = true;
    let alive = Int32Array.from({ length: U }, (_, u) => u); // row r of cur ↔ user alive[r]
    try {
      for (let t = 0; t < W; t++) {
        const nodes = Int32Array.from(alive, (u) => paths.prefixNodes[u * W + t]);
        const ch = trie.batchChildren(nodes);
        const C = ch.width;
        const lp = cur.logProbs;
        const sc = tidy(() => childScores(lp, ch, null, scoring).toFloat64());
        cur.logProbs.dispose();
        lpLive = false;
        const rows: number[] = [];
        const toks: number[] = [];
        const nextAlive: number[] = [];
        for (let r = 0; r < alive.length; r++) {
          const u = alive[r];
          const tok = paths.targetTokens[u * W + t];
          let sy = NaN;
          for (let c = 0; c < C && ch.tokens[r * C + c] >= 0; c++) if (ch.tokens[r * C + c] === tok) sy = sc[r * C + c];
          let rank = 0;
          for (let c = 0; c < C && ch.tokens[r * C + c] >= 0; c++) if (sc[r * C + c] > sy) rank++;
          ranks[u * W + t] = rank;
          logProb[u] += sy;
          if (t + 1 < paths.lengths[u]) {
            rows.push(r);
            toks.push(tok);
            nextAlive.push(u);
          }
        }
        if (rows.length === 0) break;
        const next = advanceModel(model, cur.state, Int32Array.from(rows), Int32Array.from(toks));
        model.dispose(cur.state);
        cur = next;
        lpLive = true;
        alive = Int32Array.from(nextAlive);
      }
    } finally {
      if (lpLive) cur.logProbs.dispose();
      model.dispose(cur.state);
    }
  });
  return { width: W, ranks, lengths: paths.lengths, logProb };
}

/**
 * Sibling ranks of a GenRecModel by teacher forcing: one `forwardTrain` over the targets (no decoding), ranks of
 * the log-probs among the valid tokens of `targetBatch`. Ranks do not depend on `scoring` (renormalising over the
 * valid siblings shifts them all by the same amount); the target's overall log-prob does. Runs in eval mode
 * (restored) under noGrad.
 */
export function siblingRanksTeacherForced(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  targets: Int32Array,
  scoring: TokenScoring = 'full',
): SiblingRanks {
  const U = histories.length;
  if (targets.length !== U) throw new Error(`siblingRanks: ${targets.length} targets for ${U} users`);
  const paths = model.ids.trie.targetPaths(targets);
  const W = paths.width;
  if (U === 0) return { width: W, ranks: new Int32Array(0), lengths: paths.lengths, logProb: new Float64Array(0) };
  const wasTraining = model.training;
  model.eval();
  try {
    let logProb: Float64Array = new Float64Array(0);
    const ranks = tidy(() =>
      noGrad(() => {
        const tb = targetBatch(model.ids, targets);
        const lp = model.forwardTrain(model.encodeHistories(histories), tb.targetIn).logSoftmax(-1);
        const zY = lp.gather(2, tb.targets.unsqueeze(-1)); // [U, L, 1]
        const zValid = lp.gather(2, tb.valid.tokens); // [U, L, C]
        logProb = sequenceLogProbs(tokenScores(zY.squeeze(-1), zValid, tb.valid.mask, scoring), tb.mask);
        const better = zValid.gt(zY).logicalAnd(tb.valid.mask).to('int64').sum(-1); // [U, L]
        return better.maskedFill(tb.mask.eq(0), -1).toInt32();
      }),
    );
    return { width: W, ranks, lengths: paths.lengths, logProb };
  } finally {
    model.train(wasTraining);
  }
}

/**
 * The decoders' token scores of the targets: full-softmax log-probs `zY` [B, L], or with 'valid' renormalised over
 * the trie-valid tokens (`zValid`, `validMask` [B, L, C]), as childScores does while decoding.
 */
function tokenScores(zY: Tensor, zValid: Tensor, validMask: Tensor, scoring: TokenScoring): Tensor {
  if (scoring === 'full') return zY;
  return zY.sub(validLogNormaliser(zValid.maskedFill(validMask.logicalNot(), -Infinity), -1, false));
}

/** Per row: Σ_t token log-probs [B, L] over the real positions of `mask` [B, L], summed in float64. */
function sequenceLogProbs(tokenLogProbs: Tensor, mask: Tensor): Float64Array {
  return tokenLogProbs.to('float64').maskedFill(mask.eq(0), 0).sum(-1).toFloat64();
}

/**
 * Overall log-probs log P(item | history) (teacher forcing; token scores of `scoring`, full softmax by default) of
 * `items[i]` for `histories[i]`, in batches of `batch` sequences. Runs in eval mode (restored) under noGrad.
 */
export function itemLogProbs(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  items: Int32Array,
  batch = 256,
  scoring: TokenScoring = 'full',
): Float64Array {
  const out = new Float64Array(items.length);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let a = 0; a < items.length; a += batch) {
      const b = Math.min(items.length, a + batch);
      const lp = tidy(() =>
        noGrad(() => {
          const tb = targetBatch(model.ids, items.subarray(a, b));
          const lp = model.forwardTrain(model.encodeHistories(histories.slice(a, b)), tb.targetIn).logSoftmax(-1);
          const zY = lp.gather(2, tb.targets.unsqueeze(-1)).squeeze(-1);
          const scores =
            scoring === 'full' ? zY : tokenScores(zY, lp.gather(2, tb.valid.tokens), tb.valid.mask, scoring);
          return sequenceLogProbs(scores, tb.mask);
        }),
      );
      out.set(lp, a);
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}

export interface PruningSettings {
  /** Beam width B of the beam search (and of the necessary condition). */
  beamWidth: number;
  /** Cut-offs K (each ≤ beamWidth) for PR@K, HR@K, NDCG@K. */
  ks: number[];
  /** Users processed together. */
  chunkUsers: number;
  /** Exact search batching: most prefixes expanded per round over a chunk (default 4096). */
  exactMaxRowsPerRound?: number;
  /** Exact search: prefixes popped per user per round (default 32: far fewer model calls than 1 = pure best-first; it
   * may expand a few prefixes best-first would not). */
  exactMaxPopsPerUser?: number;
  /**
   * How the target's exact rank is found. 'target' (default): only up to the target — a user whose beam search
   * already returned ≥ max K items more probable than the target is settled without search (its target cannot be
   * in the exact top-K), the others search best-first with the floor log p(target) − 1e-3, so only prefixes more
   * probable than the target are expanded. Every PR@K, HR@K and NDCG@K figure equals the 'full' one (the target's
   * rank among all items is the same), at a small fraction of the cost. 'full': the whole exact top-K list per user.
   */
  exactMode?: 'target' | 'full';
  /** Distribution beam search, exact search and the sibling ranks rank by (default 'full'; see TokenScoring). */
  scoring?: TokenScoring;
  /**
   * 'target' mode with a source that can score items (`scoreItems`): the `poolSize` items most often found by earlier
   * exact searches are scored (teacher forcing) for every user of a chunk whose beam list alone does not settle it,
   * and with the beam list they serve as witnesses — a user with ≥ max K witnesses more probable than the target is
   * settled without search (default 32; 0 = beam list only). Results are unchanged; only the number of searches
   * falls.
   */
  poolSize?: number;
}

/** Log-prob tolerance between teacher-forced and step-wise scoring of the same sequence. */
const TARGET_MARGIN = 1e-3;

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

function checkSettings(s: PruningSettings): void {
  const bad = (k: string, v: unknown): never => {
    throw new Error(`pruning: '${k}' is invalid: ${JSON.stringify(v)}`);
  };
  if (!Number.isInteger(s.beamWidth) || s.beamWidth < 1) bad('beamWidth', s.beamWidth);
  if (!Number.isInteger(s.chunkUsers) || s.chunkUsers < 1) bad('chunkUsers', s.chunkUsers);
  if (!Array.isArray(s.ks) || s.ks.length === 0) bad('ks', s.ks);
  for (const k of s.ks) if (!Number.isInteger(k) || k < 1 || k > s.beamWidth) bad('ks', s.ks);
  if (new Set(s.ks).size !== s.ks.length) bad('ks', s.ks);
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
  const pool = new Map<number, number>(); // item → times found by an exact search
  const poolSize = settings.poolSize ?? 32;
  if (!Number.isInteger(poolSize) || poolSize < 0)
    throw new Error(`pruning: 'poolSize' is invalid: ${JSON.stringify(poolSize)}`);
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
      // witnesses: beam items, then, for the users the beam list leaves unsettled, pool items (frequent winners of
      // earlier searches) scored for them alone
      const above = Array.from({ length: n }, (_, i) => {
        const lpT = ranks.logProb[i];
        const a = new Set<number>();
        for (const h of beam.hypotheses[i]) if (h.logProb > lpT + TARGET_MARGIN) a.add(h.item);
        return a;
      });
      const unsettled: number[] = [];
      for (let i = 0; i < n; i++) if (above[i].size < maxK) unsettled.push(i);
      const poolItems = [...pool.entries()]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, poolSize)
        .map(([item]) => item);
      if (poolItems.length > 0 && source.scoreItems && unsettled.length > 0) {
        const P = poolItems.length;
        const flat = new Int32Array(unsettled.length * P);
        for (let j = 0; j < unsettled.length; j++) flat.set(poolItems, j * P);
        const scores = source.scoreItems(
          Int32Array.from(unsettled, (i) => from + i),
          flat,
        );
        unsettled.forEach((i, j) => {
          const lpT = ranks.logProb[i];
          for (let p = 0; p < P && above[i].size < maxK; p++) {
            if (poolItems[p] !== tg[i] && scores[j * P + p] > lpT + TARGET_MARGIN) above[i].add(poolItems[p]);
          }
        });
      }
      thresholds = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        thresholds[i] = above[i].size >= maxK ? Infinity : ranks.logProb[i] - TARGET_MARGIN;
        if (above[i].size < maxK) searched++;
      }
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
      for (const h of ex) pool.set(h.item, (pool.get(h.item) ?? 0) + 1);
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

/**
 * The diagnostics of a GenRecModel on next-item examples (e.g. the test split). Sibling ranks by teacher forcing
 * (`ranks: 'teacher-forced'`, default: one forward per chunk) or by walking the decoder's step model. `scoring` is
 * the distribution beam search, exact search and the overall probabilities rank by (default 'full', as the
 * decoders; 'valid' for a model decoded with eval.scoring 'valid').
 */
export function modelPruningDiagnostics(
  model: GenRecModel,
  examples: readonly Example[],
  settings: PruningSettings & { ranks?: 'teacher-forced' | 'step-model' },
  onProgress?: OnProgress,
): PruningResult {
  const scoring = settings.scoring ?? 'full';
  if (scoring !== 'full' && scoring !== 'valid')
    throw new Error(`pruning: 'scoring' is invalid: ${JSON.stringify(scoring)}`);
  const histories = examples.map((e) => e.history);
  const targets = Int32Array.from(examples, (e) => e.target);
  const wasTraining = model.training;
  model.eval();
  try {
    return pruningDiagnostics(
      {
        trie: model.ids.trie,
        numUsers: examples.length,
        stepModel: (from, to) => model.stepModel(histories.slice(from, to)),
        siblingRanks:
          settings.ranks === 'step-model'
            ? undefined
            : (from, to, tg) => siblingRanksTeacherForced(model, histories.slice(from, to), tg, scoring),
        scoreItems: (users, items) => {
          const P = items.length / users.length;
          const h = Array.from({ length: items.length }, (_, j) => histories[users[Math.floor(j / P)]]);
          return itemLogProbs(model, h, items, 256, scoring);
        },
      },
      targets,
      settings,
      onProgress,
    );
  } finally {
    model.train(wasTraining);
  }
}
