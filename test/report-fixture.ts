// Synthetic finished runs for the report tests: a results.json as `genrec train` writes it (per-epoch history,
// test metrics and per-user values), optionally with RL logs in the history, list metrics, and cached pruning
// diagnostics next to a stand-in model file. No model is trained. Not a test file itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PruningSummary } from '../src/eval/pruning/summary.js';
import { writeCached } from '../src/experiment/cache.js';
import { diagnosticsSlot } from '../src/experiment/figures.js';
import { resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { writeResults } from '../src/report/results.js';
import { Rng } from '../src/util/rng.js';

export interface SyntheticRun {
  seed: number;
  /** Config settings on top of the tiny preset (e.g. `{ objective: 'sft' }`). */
  config?: Record<string, unknown>;
  /** RL series (reward, kl, zeroAdvantageShare) in every epoch's logs. */
  rl?: boolean;
  /** `metrics.list` and `perUser.list`. */
  list?: boolean;
  /** Cached pruning diagnostics (the run directory then gets a stand-in model.safetensors). */
  pruning?: boolean;
  epochs?: number;
  users?: number;
}

/** Pruning diagnostics of `users` users at K = 5, 10 (fixed numbers, `pruned` shifted by `shift`). */
export function syntheticPruning(users: number, shift: number): PruningSummary {
  const byK = (k: number, pruned: number) => ({ cases: 10, pruned, rate: pruned / 10, necessaryShare: 0.5 + 0.01 * k });
  return {
    users,
    beamWidth: 10,
    byK: { 'pr@5': byK(5, 3 + shift), 'pr@10': byK(10, 2 + shift) },
    beam: { 'ndcg@5': 0.1, 'ndcg@10': 0.12, 'hr@5': 0.2, 'hr@10': 0.3 },
    exact: { 'ndcg@5': 0.11, 'ndcg@10': 0.13, 'hr@5': 0.21, 'hr@10': 0.31 },
    violationRate: 0.1,
    meanExpansions: 12,
    exactMode: 'target',
    searchedUsers: users,
    floorMisses: 0,
    internalNodes: 40,
    numNodes: 100,
    seconds: { beam: 1, ranks: 0, pool: 0, exact: 1, total: 2 },
  } as unknown as PruningSummary;
}

/** Writes a finished-looking run into `dir`; returns its configuration. */
export async function writeSyntheticRun(dir: string, run: SyntheticRun): Promise<RunConfig> {
  mkdirSync(dir, { recursive: true });
  const cfg = resolveRunConfig([
    { value: { preset: 'tiny', ...run.config, seed: run.seed, out: dir }, source: 'test' },
  ]);
  const rng = new Rng(`synthetic-${run.seed}`);
  const users = run.users ?? 30;
  const perUser: Record<string, number[]> = {};
  for (const k of ['hr@5', 'ndcg@5', 'hr@10', 'ndcg@10'])
    perUser[k] = Array.from({ length: users }, () => (rng.next() < 0.3 ? rng.next() : 0));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const test = Object.fromEntries(Object.entries(perUser).map(([k, v]) => [k, mean(v)]));
  const history = Array.from({ length: run.epochs ?? 3 }, (_, i) => ({
    epoch: i + 1,
    loss: 2 / (i + 1) + 0.01 * run.seed,
    logs: run.rl ? { reward: 0.1 * (i + 1), kl: 0.01 * i, zeroAdvantageShare: 0.5 - 0.1 * i } : {},
    step: 10 * (i + 1),
    lr: 1e-3,
    gradNorm: null,
    seconds: 1.5,
    examplesPerSec: 100,
    validation: { score: 0.05 + 0.01 * i, metrics: { 'ndcg@10': 0.05 + 0.01 * i } },
    improved: true,
  }));
  const listPerUser = { 'list-ndcg@10': Array.from({ length: users }, () => rng.next()) };
  await writeResults(join(dir, 'results.json'), {
    kind: 'train',
    runId: `synthetic-${run.seed}`,
    config: cfg,
    dataset: { name: 'synthetic', fingerprint: 'f00dfeed', protocol: 'synthetic protocol' },
    metrics: {
      test,
      popularity: { 'hr@5': 0.01, 'ndcg@5': 0.005, 'hr@10': 0.02, 'ndcg@10': 0.008 },
      ...(run.list ? { list: { 'list-ndcg@10': mean(listPerUser['list-ndcg@10']) } } : {}),
    },
    perUser: { test: perUser, ...(run.list ? { list: listPerUser } : {}) },
    speed: { testUsersPerSec: 100 },
    training: { bestEpoch: run.epochs ?? 3, secondsPerEpoch: 1, examplesPerEpoch: 150, history },
  });
  if (run.pruning) {
    writeFileSync(join(dir, 'model.safetensors'), 'stand-in');
    writeCached(diagnosticsSlot(dir, cfg, 0, cfg.eval.scoring), syntheticPruning(users, run.seed));
  }
  return cfg;
}
