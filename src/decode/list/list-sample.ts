/**
 * List sampling: the rollouts of list-wise RL (BLADE §2.2 / §4.1.4: G responses per prompt at temperature 0.8 with
 * repetition penalty 1.05). Each of the G responses of a user is drawn token by token under the list constraint
 * (./list-constraint.ts: restart after each end token, no item twice, the history masked with `excludeHistory`).
 *
 * The sampling distribution of a step, for a running response with valid next tokens V (the list constraint's
 * children) and tokens generated so far in the response Y (every token of the response up to now: the previous
 * items' identifiers, their end tokens included, and the current item's prefix; the prompt is history items, not
 * tokens, so nothing of it is penalised):
 *     z(t) = the model's score of t;   z'(t) = z(t) / p if t ∈ Y and z(t) > 0,   z(t) · p if t ∈ Y and z(t) ≤ 0,
 *                                      z(t) otherwise;
 *     q(t) = exp(z'(t) / T) / Σ_{t' ∈ V} exp(z'(t') / T)   (t ∈ V),
 * i.e. Hugging Face's RepetitionPenaltyLogitsProcessor (the CTRL penalty with the sign fix: each distinct token of Y
 * once, however often it occurs), then the prefix constraint, then the temperature. With p ≠ 1, z is the model's raw
 * logits, as in Hugging Face: the step model must give them (`model.stepModel(histories, { logits: true })`); the
 * penalty is not shift-invariant, so it depends on the logits' offset, which a softmax-trained model leaves free.
 * With p = 1, z is the log-prob (the same q: the softmax is shift-invariant). T = 0 takes the argmax of z' (ties: the
 * smallest token), deterministic; with p = 1 that is greedy list decoding.
 *
 * Recorded per token (ListResponses): `behaviourLogProbs` = log q(token), the behaviour policy the tokens were drawn
 * from (what an importance ratio against the rollout policy needs; 0 at T = 0), and `logProbs` = the plain model's
 * log-prob (temperature 1, no penalty, under `scoring`), both gathered from the step's tensors at no extra model cost.
 *
 * Randomness: response r of user u draws from its own generator, `new Rng(seed).fork(index)` with index
 * (firstUser + u) · G + j for sample j (src/util/rng.ts), one uniform per token, inverse CDF over q in float64.
 * So the draws do not depend on batching: users decoded together or one by one (with `firstUser`), or a user's G
 * samples against the user repeated G times with one sample each, give the same responses; libtorch's generator is
 * not touched.
 */
import { tensor, type Tensor } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { checkInt } from '../common.js';
import type { TokenScoring } from '../types.js';
import { decodeLists } from './list-steps.js';
import type { ListDecoderEntry, ListDecoderInput, ListResponses } from './types.js';

export interface ListSampleSettings {
  listLength: number;
  /** G ≥ 1: responses per user. */
  numSamples: number;
  /** T, finite ≥ 0; 0 = argmax. */
  temperature: number;
  /** p ≥ 1 (1 = off); see the module comment for what it penalises. */
  repetitionPenalty: number;
  /** Seed of every response's generator (integer ≥ 0). */
  seed: number;
  /** Index of the call's first user among all users decoded (chunked calls draw as one call). */
  firstUser: number;
  excludeHistory: boolean;
  /** Distribution of the recorded `logProbs` only (sampling is the same under both). */
  scoring: TokenScoring;
}

const WHERE = 'listSample';

function checkSettings(s: ListSampleSettings): void {
  if (typeof s.temperature !== 'number' || !Number.isFinite(s.temperature) || s.temperature < 0) {
    throw new Error(`${WHERE}: 'temperature' must be a finite number ≥ 0, got ${JSON.stringify(s.temperature)}`);
  }
  const p = s.repetitionPenalty;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 1) {
    throw new Error(`${WHERE}: 'repetitionPenalty' must be a finite number ≥ 1, got ${JSON.stringify(p)}`);
  }
  checkInt(WHERE, 'seed', s.seed, 0);
  checkInt(WHERE, 'firstUser', s.firstUser, 0);
}

/** The penalised scores z' of the module comment: `z` where `repeated` is false. Call inside tidy. */
function penalise(z: Tensor, repeated: Tensor, p: number): Tensor {
  return repeated.where(z.gt(0).where(z.div(p), z.mul(p)), z);
}

/** G responses per user, sampled (see the module comment). */
export function listSample<S>(input: ListDecoderInput<S>, settings: ListSampleSettings): ListResponses {
  checkSettings(settings);
  const { temperature: T, repetitionPenalty: P, numSamples: G } = settings;
  const root = new Rng(settings.seed);
  const rngs = new Map<number, Rng>(); // per response, made on first use
  const rngOf = (q: number): Rng => {
    let g = rngs.get(q);
    if (g === undefined) rngs.set(q, (g = root.fork(settings.firstUser * G + q)));
    return g;
  };
  const seen = new Map<number, Set<number>>(); // per response: the tokens generated so far
  return decodeLists(input, settings, WHERE, ({ responses, children, scores, logits }) => {
    const n = responses.length;
    const C = children.width;
    let z = scores;
    if (P !== 1) {
      if (logits === null) {
        throw new Error(
          `${WHERE}: repetitionPenalty ${P} acts on raw logits; create the step model with them (stepModel(histories, { logits: true }))`,
        );
      }
      const rep = new Uint8Array(n * C);
      for (let r = 0; r < n; r++) {
        const ys = seen.get(responses[r]);
        if (ys === undefined) continue;
        for (let c = 0; c < C; c++) if (ys.has(children.tokens[r * C + c])) rep[r * C + c] = 1;
      }
      z = penalise(logits, tensor(rep, [n, C], 'bool'), P);
    }
    const pick = new Int32Array(n);
    let behaviour: Float64Array | null = null;
    if (T === 0) {
      const s = z.toFloat64();
      for (let r = 0; r < n; r++) {
        for (let c = 1; c < C; c++) if (s[r * C + c] > s[r * C + pick[r]]) pick[r] = c;
      }
    } else {
      const logq = z.div(T).logSoftmax(1).toFloat64();
      behaviour = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const u = rngOf(responses[r]).nextDouble();
        let acc = 0;
        let c = -1;
        for (let k = 0; k < C; k++) {
          const l = logq[r * C + k];
          if (l === -Infinity) continue;
          c = k; // the last possible child, should rounding leave acc below u
          acc += Math.exp(l);
          if (u < acc) break;
        }
        pick[r] = c;
        behaviour[r] = logq[r * C + c];
      }
    }
    for (let r = 0; r < n; r++) {
      const q = responses[r];
      let ys = seen.get(q);
      if (ys === undefined) seen.set(q, (ys = new Set()));
      ys.add(children.tokens[r * C + pick[r]]);
    }
    return { pick, behaviour };
  });
}

/**
 * The list registry's entry (./registry.ts). `numSamples` responses per user; the step model needs raw logits when
 * `repetitionPenalty` ≠ 1.
 */
export const listSampleDecoder: ListDecoderEntry = {
  name: 'sample',
  doc: 'List sampling: G responses per user at a temperature with a repetition penalty on raw logits (BLADE rollouts: 0.8, 1.05), seeded per response.',
  settings: ['listLength', 'numSamples', 'temperature', 'repetitionPenalty', 'seed', 'excludeHistory', 'scoring'],
  run: (input, s) =>
    listSample(input, {
      listLength: s.listLength,
      numSamples: s.numSamples,
      temperature: s.temperature,
      repetitionPenalty: s.repetitionPenalty,
      seed: s.seed,
      firstUser: s.firstUser,
      excludeHistory: s.excludeHistory,
      scoring: s.scoring,
    }),
};
