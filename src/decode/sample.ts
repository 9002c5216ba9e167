/**
 * Constrained ancestral sampling (the rollouts of RL objectives such as GRPO).
 *
 * Each user draws `numSamples` items independently (with replacement: duplicates are possible); sample j
 * of user u is row u·numSamples + j of every output. At each step, for a running prefix with model
 * log-probs ℓ(t) over the vocabulary, the sampling distribution is
 *     q(t) ∝ exp(ℓ(t) / temperature)   over the valid children t of the prefix's trie node,
 * restricted to the `topK` children with the largest ℓ when topK > 0 (every child tied with the k-th is
 * kept). temperature 0 means argmax (deterministic; equals greedy decoding). Tokens are drawn with
 * libtorch's `multinomial`, i.e. libtorch's global generator: `seed` (if not null) calls the engine's
 * `manualSeed(seed)` first, which reseeds that generator for everything that runs afterwards (dropout,
 * randn, …); with the same seed, model and inputs the draws are reproducible.
 *
 * Here ℓ is the model's log-prob under `scoring` (the full softmax, or renormalised over the valid children).
 * Outputs per sample: the item, its log-prob Σ ℓ(token) (untempered: the same quantity beam search ranks by) and its log-prob under the sampling
 * distribution (Σ log q(token); 0 for temperature 0).
 *
 * Batching: one `model.advance` per step over all unfinished samples (finished ones are dropped).
 * The first step shares the users' start rows (no model call per sample for the context).
 */
import { manualSeed, tensor, tidy } from '../engine/index.js';
import { checkInt, checkScoring, checkUsers, childScores } from './common.js';
import type { DecoderEntry } from './entry.js';
import { runSteps } from './steps.js';
import type { DecoderInput, Hypothesis, TokenScoring } from './types.js';

export interface SampleSettings {
  /** Samples per user, ≥ 1. */
  numSamples: number;
  /** Softmax temperature over the valid children: finite, ≥ 0; 0 = argmax. */
  temperature: number;
  /** Sample only among the topK most likely valid children per step; 0 = all valid children. */
  topK: number;
  /** If not null, `manualSeed(seed)` is called before sampling (reseeds libtorch's global generator). */
  seed: number | null;
  /** Distribution ℓ is read from (see module comment). */
  scoring: TokenScoring;
}

export interface SampleResult {
  numSamples: number;
  /** [users · numSamples]: the sampled item of each row. */
  items: Int32Array;
  /** [users · numSamples]: Σ log p_model(token | prefix) along the item's code (untempered). */
  logProbs: Float64Array;
  /** [users · numSamples]: Σ log q(token | prefix) under the sampling distribution (0 when temperature = 0). */
  samplingLogProbs: Float64Array;
}

const WHERE = 'sampleDecode';

export function checkSampleSettings(s: SampleSettings): void {
  checkInt(WHERE, 'numSamples', s.numSamples, 1);
  if (typeof s.temperature !== 'number' || !Number.isFinite(s.temperature) || s.temperature < 0) {
    throw new Error(`${WHERE}: 'temperature' must be a finite number ≥ 0, got ${JSON.stringify(s.temperature)}`);
  }
  checkInt(WHERE, 'topK', s.topK, 0);
  if (s.seed !== null) checkInt(WHERE, 'seed', s.seed, 0);
  checkScoring(WHERE, s.scoring);
}

/** Draws `numSamples` items per user from the trie-constrained, tempered, top-k filtered model. */
export function sampleDecode<S>(input: DecoderInput<S>, settings: SampleSettings): SampleResult {
  const { model, constraint, numUsers: U } = input;
  checkSampleSettings(settings);
  checkUsers(WHERE, U);
  const S = settings.numSamples;
  const T = settings.temperature;
  const topK = settings.topK;
  const total = U * S;
  const items = new Int32Array(total).fill(-1);
  const logProbs = new Float64Array(total);
  const samplingLogProbs = new Float64Array(total);
  if (settings.seed !== null) manualSeed(settings.seed);
  // Live samples; lpRow[r] = the row of the step's logProbs / state holding sample r's prefix (null: row r).
  let sample = Int32Array.from({ length: total }, (_, r) => r);
  let lpRow: Int32Array | null = Int32Array.from({ length: total }, (_, r) => Math.floor(r / S));
  let nodes = new Int32Array(0);
  runSteps(model, total > 0 ? U : 0, (cur) => {
    const n = sample.length;
    // The children table has one row per logProbs row (at the first step: one per user, at its root).
    const ch = constraint.batchChildren(
      lpRow === null ? nodes : Int32Array.from({ length: U }, (_, u) => constraint.rootOf(u)),
    );
    const C = ch.width;
    if (C === 0) throw new Error(`${WHERE}: a running prefix has no valid continuation (empty constraint?)`);
    const lp = cur.logProbs;
    const rowsOf = lpRow;
    const [pick, mv, qv] = tidy(() => {
      const perLpRow = childScores(lp, ch, null, settings.scoring);
      const m = rowsOf === null ? perLpRow : perLpRow.indexSelect(0, tensor(rowsOf, [n], 'int64'));
      const mx = m.amax(1).toFloat64();
      for (let r = 0; r < n; r++) {
        if (mx[r] === -Infinity) {
          const u = Math.floor(sample[r] / S);
          throw new Error(`${WHERE}: user ${u}: the model gives probability 0 to every valid continuation`);
        }
      }
      if (T === 0) {
        const i = m.argmax(1, true);
        return [i.toInt32(), m.gather(1, i).toFloat64(), new Float64Array(n)] as const;
      }
      let z = m.div(T);
      if (topK > 0 && topK < C) {
        const kth = z.topk(topK, 1, true, true)[0].narrow(1, topK - 1, 1);
        z = z.maskedFill(z.lt(kth), -Infinity);
      }
      const logq = z.logSoftmax(1);
      const i = logq.exp().multinomial(1, false);
      return [i.toInt32(), m.gather(1, i).toFloat64(), logq.gather(1, i).toFloat64()] as const;
    });
    const nSample: number[] = [];
    const nRows: number[] = [];
    const nTokens: number[] = [];
    const nNodes: number[] = [];
    for (let r = 0; r < n; r++) {
      const sId = sample[r];
      logProbs[sId] += mv[r];
      samplingLogProbs[sId] += qv[r];
      const lr = lpRow === null ? r : lpRow[r];
      const e = lr * C + pick[r];
      const child = ch.next[e];
      if (child < 0) throw new Error(`${WHERE}: internal error: sampled a padded child`);
      const it = constraint.itemAt(child);
      if (it >= 0) {
        items[sId] = it;
      } else {
        nSample.push(sId);
        nRows.push(lr);
        nTokens.push(ch.tokens[e]);
        nNodes.push(child);
      }
    }
    sample = Int32Array.from(nSample);
    lpRow = null;
    nodes = Int32Array.from(nNodes);
    return { rows: Int32Array.from(nRows), tokens: Int32Array.from(nTokens) };
  });
  return { numSamples: S, items, logProbs, samplingLogProbs };
}

/**
 * The registry's entry (./registry.ts): `topK` draws per user at `temperature` (seeded: `seed` + the index of the
 * call's first user, so each chunk of users gets its own stream and a run is reproducible for a fixed chunking),
 * returned as the distinct items drawn, by log-prob descending (fewer than topK when draws repeat).
 */
export const sampleDecoder: DecoderEntry = {
  name: 'sample',
  doc: 'Constrained ancestral sampling: eval.ks max draws per user at eval.temperature, seeded by eval.sampleSeed; the distinct items drawn, most likely first.',
  settings: ['topK', 'scoring', 'temperature', 'seed'],
  run: (input, s) => {
    const r = sampleDecode(input, {
      numSamples: s.topK,
      temperature: s.temperature,
      topK: 0,
      seed: s.seed + s.firstUser,
      scoring: s.scoring,
    });
    const out: Hypothesis[][] = [];
    for (let u = 0; u < input.numUsers; u++) {
      const seen = new Map<number, number>();
      for (let j = u * r.numSamples; j < (u + 1) * r.numSamples; j++) seen.set(r.items[j], r.logProbs[j]);
      out.push([...seen].map(([item, logProb]) => ({ item, logProb })).sort((a, b) => b.logProb - a.logProb));
    }
    return out;
  },
};
