// Decoding and scoring the list task (BLADE §4.1.3): one list of K items per user from a list decoder (greedy by
// default; or Best-of-N: N sampled lists, the best by a selector), then Recall@K and NDCG@K against the target list,
// MGU and ILD over genres (reported unavailable without them), and the shares of invalid, repeated and history items.
import type { ListExample } from '../../data/types.js';
import { getListDecoder } from '../../decode/list/registry.js';
import type { ListResponses } from '../../decode/list/types.js';
import { inEvalMode, noGrad, tidy } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import { ild, mgu, ndcgAtK, recallAtK, type ItemSideInfo } from '../../rewards/index.js';
import type { OnProgress } from '../../util/progress.js';
import type { ListConfig } from './config.js';
import { responseItemsOf } from './sampling.js';

/** Every decoding and scoring setting of a list evaluation, explicit (a run config's `list` section). */
export type ListEvalSettings = ListConfig;

/** What decoding the users' lists produced. */
export interface DecodedUserLists {
  /** Per user, the evaluated list (the best of `bestOf` with Best-of-N). */
  lists: number[][];
  /** Per user, items of the list that are invalid / repeated / in the history (recounted by the decoders). */
  invalid: number[];
  repeated: number[];
  inHistory: number[];
  /** Lists decoded in all (users × bestOf for Best-of-N) and the decoding time. */
  listsDecoded: number;
  seconds: number;
}

/** The best of a user's G responses (rows g·… of `res`): by NDCG@K against the targets, or by log-likelihood. */
function pickBest(res: ListResponses, u: number, targets: readonly number[], by: ListConfig['bestBy']): number {
  const G = res.numSamples;
  const K = res.listLength;
  let best = u * G;
  let bestScore = -Infinity;
  for (let g = 0; g < G; g++) {
    const r = u * G + g;
    const items = responseItemsOf(res, r);
    let s: number;
    if (by === 'oracle') s = ndcgAtK(items, targets, K);
    else {
      s = 0;
      for (let i = 0; i < res.itemCounts[r]; i++) s += res.itemLogProbs[r * K + i];
    }
    if (s > bestScore) {
      bestScore = s;
      best = r;
    }
  }
  return best;
}

/** One list per example under `s` (see the module comment), `s.chunkUsers` users at a time, in eval mode. */
export function decodeUserLists(
  model: GenRecModel,
  examples: readonly ListExample[],
  s: ListEvalSettings,
  onProgress?: OnProgress,
): DecodedUserLists {
  const entry = getListDecoder(s.decoder);
  const G = s.decoder === 'sample' ? s.bestOf : 1;
  const K = s.listLength;
  const out: DecodedUserLists = { lists: [], invalid: [], repeated: [], inHistory: [], listsDecoded: 0, seconds: 0 };
  const t0 = performance.now();
  inEvalMode(model, () =>
    noGrad(() => {
      for (let start = 0; start < examples.length; start += s.chunkUsers) {
        const chunk = examples.slice(start, start + s.chunkUsers);
        const histories = chunk.map((e) => e.history);
        const logits = s.decoder === 'sample' && s.repetitionPenalty !== 1;
        const res = tidy(() =>
          entry.run(
            {
              model: model.stepModel(histories, { logits }),
              constraint: model.ids.trie,
              numUsers: chunk.length,
              histories,
            },
            {
              listLength: K,
              excludeHistory: s.excludeHistory,
              scoring: s.scoring,
              numSamples: G,
              temperature: s.temperature,
              repetitionPenalty: s.repetitionPenalty,
              seed: s.seed,
              firstUser: start,
              beamWidth: s.beamWidth,
            },
          ),
        );
        chunk.forEach((e, u) => {
          const r = G === 1 ? u : pickBest(res, u, e.targets, s.bestBy);
          out.lists.push(responseItemsOf(res, r));
          out.invalid.push(res.invalidItems[r]);
          out.repeated.push(res.repeatedItems[r]);
          out.inHistory.push(res.historyItems[r]);
        });
        out.listsDecoded += chunk.length * G;
        onProgress?.(Math.min(examples.length, start + chunk.length), examples.length);
      }
    }),
  );
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

/** The metrics of a list evaluation, in table order (MGU and ILD only when the data set has genres). */
export function listMetricNames(ks: readonly number[], side: ItemSideInfo): string[] {
  const names = [...ks.map((k) => `recall@${k}`), ...ks.map((k) => `ndcg@${k}`)];
  if (side.genres !== undefined) names.push('mgu', 'ild');
  return names;
}

export interface ListScores {
  metrics: string[];
  /** Metric → mean over users (MGU / ILD over the users where they are defined). */
  mean: Record<string, number>;
  /** Metric → per-user values (NaN where MGU / ILD are undefined), in example order. */
  perUser: Record<string, number[]>;
  /** Metric → why it is not reported (e.g. MGU without genres). */
  unavailable: Record<string, string>;
}

function meanOfFinite(xs: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const x of xs)
    if (Number.isFinite(x)) {
      s += x;
      n++;
    }
  return n > 0 ? s / n : NaN;
}

/** Scores one list per example (`lists[i]` for `examples[i]`); counts give the invalid / repeated / history shares. */
export function scoreLists(
  lists: readonly (readonly number[])[],
  examples: readonly ListExample[],
  side: ItemSideInfo,
  ks: readonly number[],
  counts?: Pick<DecodedUserLists, 'invalid' | 'repeated' | 'inHistory'>,
): ListScores {
  const metrics = listMetricNames(ks, side);
  const perUser: Record<string, number[]> = Object.fromEntries(metrics.map((m) => [m, []]));
  examples.forEach((e, i) => {
    const l = lists[i];
    for (const k of ks) {
      perUser[`recall@${k}`].push(recallAtK(l, e.targets, k));
      perUser[`ndcg@${k}`].push(ndcgAtK(l, e.targets, k));
    }
    if (side.genres !== undefined) {
      perUser.mgu.push(mgu(l, e.history, side));
      perUser.ild.push(ild(l, side));
    }
  });
  const mean: Record<string, number> = Object.fromEntries(metrics.map((m) => [m, meanOfFinite(perUser[m])]));
  if (counts) {
    const items = lists.reduce((a, l) => a + Math.max(l.length, 0), 0);
    const share = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(items, 1);
    mean.invalid = share(counts.invalid);
    mean.repeated = share(counts.repeated);
    mean.inHistory = share(counts.inHistory);
  }
  const unavailable: Record<string, string> = {};
  if (side.genres === undefined)
    for (const m of ['mgu', 'ild']) unavailable[m] = `needs item genres; data set ${side.dataset} has none`;
  return { metrics, mean, perUser, unavailable };
}

export interface ListEvalResult extends ListScores {
  lists: number[][];
  listsDecoded: number;
  seconds: number;
  /** Users per second and lists decoded per second. */
  usersPerSec: number;
  listsPerSec: number;
}

/** Decodes `examples` under `s` and scores the lists. */
export function evaluateLists(
  model: GenRecModel,
  examples: readonly ListExample[],
  s: ListEvalSettings,
  side: ItemSideInfo,
  onProgress?: OnProgress,
): ListEvalResult {
  const d = decodeUserLists(model, examples, s, onProgress);
  const scores = scoreLists(d.lists, examples, side, s.ks, d);
  return {
    ...scores,
    lists: d.lists,
    listsDecoded: d.listsDecoded,
    seconds: d.seconds,
    usersPerSec: examples.length / Math.max(d.seconds, 1e-9),
    listsPerSec: d.listsDecoded / Math.max(d.seconds, 1e-9),
  };
}

/** Per-user metrics as results files store them: an undefined value (NaN, e.g. MGU without genre evidence) is null. */
export function perUserForJson(perUser: Record<string, number[]>): Record<string, (number | null)[]> {
  return Object.fromEntries(
    Object.entries(perUser).map(([k, v]) => [k, v.map((x) => (Number.isFinite(x) ? x : null))]),
  );
}
