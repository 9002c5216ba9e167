// The next-item task: a user's history → the next item's identifier (BEAR, V-STAR). Trains on windows (optionally on
// every prefix of each window), validates by NDCG@10 of the decoded top-K, and is judged by HR/NDCG@K against the
// most-popular baseline.
import { evaluateBaseline, Popularity } from '../../baselines/index.js';
import { rankingMetricNames } from '../../eval/metrics.js';
import { evaluateModel } from '../evaluate.js';
import { expandPrefixes, nextItemTask } from '../task.js';
import type { Task } from './types.js';

export const nextItem: Task = {
  name: 'next-item',
  doc: 'History → the next item (one identifier), decoded top-K, HR/NDCG@K.',
  trainingExamples: (rows, cfg) => (cfg.trainOnPrefixes ? expandPrefixes(rows, cfg.prefixTargets) : [...rows]),
  describeTraining: (cfg) =>
    cfg.trainOnPrefixes
      ? cfg.prefixTargets === 'all'
        ? ' (every prefix of each window)'
        : ' (the prefixes with a target no window covers)'
      : '',
  trainTask: nextItemTask,
  evaluate: evaluateModel,
  metricNames: (cfg) => rankingMetricNames(cfg.eval.ks),
  references(ds, cfg): Record<string, Record<string, number>> {
    if (!cfg.popularity.enabled) return {};
    const pop = Popularity.fit(ds.items.length, cfg.refit ? [...ds.train, ...ds.valid] : ds.train);
    const recs = pop.recommendAll(ds.test, Math.max(...cfg.eval.ks));
    return { 'most-popular': evaluateBaseline(recs, ds.test, nextItem.metricNames(cfg), ds.items.length).mean };
  },
};
