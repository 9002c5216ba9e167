/**
 * Trie-constrained ancestral sampling (the rollouts of RL objectives such as GRPO).
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
 * Outputs per sample: the item, its log-prob under the model (Σ ℓ(token), untempered, not renormalised
 * over valid children: the same quantity beam search ranks by) and its log-prob under the sampling
 * distribution (Σ log q(token); 0 for temperature 0).
 *
 * Batching: one `model.advance` per step over all unfinished samples (finished ones are dropped).
 * The first step shares the users' start rows (no model call per sample for the context).
 */
import { manualSeed, noGrad, tensor, tidy } from '../engine/index.js';
import { advanceModel, checkInt, checkUsers, childScores, startModel, type StepOutput } from './common.js';
import type { DecodeInput } from './types.js';

export interface SampleSettings {
  /** Samples per user, ≥ 1. */
  numSamples: number;
  /** Softmax temperature over the valid children: finite, ≥ 0; 0 = argmax. */
  temperature: number;
  /** Sample only among the topK most likely valid children per step; 0 = all valid children. */
  topK: number;
  /** If not null, `manualSeed(seed)` is called before sampling (reseeds libtorch's global generator). */
  seed: number | null;
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
}

/** Draws `numSamples` items per user from the trie-constrained, tempered, top-k filtered model. */
export function sampleDecode<S>(input: DecodeInput<S>, settings: SampleSettings): SampleResult {
  const { model, trie, numUsers: U } = input;
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
  if (total > 0) {
    noGrad(() => {
      let cur: StepOutput<S> = startModel(model, U);
      let lpLive = true;
      // Live samples; lpRow[r] = the row of cur.logProbs / cur.state holding sample r's prefix.
      let sample = Int32Array.from({ length: total }, (_, r) => r);
      let lpRow: Int32Array | null = Int32Array.from({ length: total }, (_, r) => Math.floor(r / S));
      let nodes = new Int32Array(total);
      try {
        for (;;) {
          const n = sample.length;
          // The children table has one row per logProbs row (at the first step: one per user, all at the root).
          const ch = trie.batchChildren(lpRow === null ? nodes : new Int32Array(U));
          const C = ch.width;
          if (C === 0) throw new Error(`${WHERE}: a running prefix has no valid continuation (empty trie?)`);
          const lp = cur.logProbs;
          const rowsOf = lpRow;
          const [pick, mv, qv] = tidy(() => {
            const perLpRow = childScores(lp, ch, null, model.scoring);
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
          cur.logProbs.dispose();
          lpLive = false;
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
            const it = trie.leafItem[child];
            if (it >= 0) {
              items[sId] = it;
            } else {
              nSample.push(sId);
              nRows.push(lr);
              nTokens.push(ch.tokens[e]);
              nNodes.push(child);
            }
          }
          if (nSample.length === 0) break;
          const next: StepOutput<S> = advanceModel(model, cur.state, Int32Array.from(nRows), Int32Array.from(nTokens));
          model.dispose(cur.state);
          cur = next;
          lpLive = true;
          sample = Int32Array.from(nSample);
          lpRow = null;
          nodes = Int32Array.from(nNodes);
        }
      } finally {
        if (lpLive) cur.logProbs.dispose();
        model.dispose(cur.state);
      }
    });
  }
  return { numSamples: S, items, logProbs, samplingLogProbs };
}
