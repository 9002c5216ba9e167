// Evaluation of a generative recommender on next-item examples: top-K by the configured decoder
// (constrained beam search by default), HR/NDCG@K, share of invalid outputs, users per second.
import { performance } from 'node:perf_hooks';
import type { Example } from '../data/types.js';
import { getDecoder } from '../decode/registry.js';
import type { TokenScoring } from '../decode/types.js';
import { evaluateRankings, rankingMetricNames, type EvalResult } from '../eval/metrics.js';
import type { GenRecModel } from '../model/genrec.js';
import type { OnProgress } from '../util/progress.js';
import { recommend, type RecommendSettings } from './recommend.js';

export interface EvalSettings {
  /** A registered decoder's name (eval.decoder; see decode/registry.ts). */
  decoder: string;
  beamWidth: number;
  /** Cut-offs for HR/NDCG (the largest is the number of items decoded per user). */
  ks: number[];
  chunkUsers: number;
  /** Distribution ranked by ('full' | 'valid', see decode/common.ts). */
  scoring: TokenScoring;
  /** Sampling temperature and seed (decoder 'sample'). */
  temperature: number;
  sampleSeed: number;
  /** Evaluate at most this many examples (the first ones; 0 = all). */
  maxUsers?: number;
  /** Decoder 'ved': its search settings and value function (see RecommendSettings). */
  ved?: RecommendSettings['ved'];
  value?: RecommendSettings['value'];
}

export interface ModelEvalResult extends EvalResult {
  usersPerSec: number;
  seconds: number;
  rankings: number[][];
}

/** The metrics of an evaluation with cut-offs `ks`: HR and NDCG at each, and the invalid share at the largest. */
export function evalMetricNames(ks: number[]): string[] {
  return [...rankingMetricNames(ks), `invalid@${Math.max(...ks)}`];
}

/** The evaluation's metrics of given top-K lists (one per example, best first) against the examples' targets. */
export function scoreRankings(
  rankings: number[][],
  examples: readonly Example[],
  ks: number[],
  numItems: number,
): EvalResult {
  return evaluateRankings(
    rankings,
    examples.map((e) => e.target),
    evalMetricNames(ks),
    { numItems },
  );
}

export function evaluateModel(
  model: GenRecModel,
  examples: readonly Example[],
  s: EvalSettings,
  onProgress?: OnProgress,
): ModelEvalResult {
  const ex = s.maxUsers ? examples.slice(0, s.maxUsers) : examples;
  const topK = Math.max(...s.ks);
  if (getDecoder(s.decoder).settings.includes('beamWidth') && topK > s.beamWidth)
    throw new Error(`evaluate: top-${topK} needs beamWidth >= ${topK}, got ${s.beamWidth}`);
  const t0 = performance.now();
  const hyps = recommend(
    model,
    ex.map((e) => e.history),
    {
      decoder: s.decoder,
      beamWidth: s.beamWidth,
      topK,
      chunkUsers: s.chunkUsers,
      scoring: s.scoring,
      temperature: s.temperature,
      sampleSeed: s.sampleSeed,
      ...(s.ved !== undefined ? { ved: s.ved } : {}),
      ...(s.value !== undefined ? { value: s.value } : {}),
    },
    onProgress,
  );
  const seconds = (performance.now() - t0) / 1000;
  const rankings = hyps.map((h) => h.map((x) => x.item));
  const r = scoreRankings(rankings, ex, s.ks, model.numItems);
  return { ...r, usersPerSec: ex.length / Math.max(seconds, 1e-9), seconds, rankings };
}
