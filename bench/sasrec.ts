// npm run bench -- sasrec [--data embedded|office|both] [--threads 1] [--smoke] [--<sasrec key> value ...]
// Trains SASRec (src/baselines/sasrec.ts) on the embedded office-mini set and, when present, on the full
// amazon-office set of /work/shared/data (window protocol: valid = latest 10% of train.csv by timestamp), then
// reports test HR/NDCG@5/10 next to the most-popular baseline. Any SasrecConfig key may be overridden
// (e.g. --trainOnPrefixes true --refit true --maxEpochs 30). Reference (data README, office test NDCG@10 /
// HR@10): a d128 2-layer SASRec 0.0230 / 0.0496; the BEAR paper's SASRec row 0.0196 / 0.0447.
// --smoke: the embedded set only, one epoch (no refit) of a d32 1-layer model (flags still override).
// Memory: with glibc's default (dynamic) mmap threshold, freed tensors stay in the process heap (no tensor handle
// leaks); SASRec calls releaseMemory() (malloc_trim) after every epoch to return it. A run that still grows can
// be capped with MALLOC_MMAP_THRESHOLD_=65536 (RSS flat, identical results, ~40% slower steps).
import fs from 'node:fs';
import path from 'node:path';
import { BASELINE_METRICS, evaluateBaseline, Popularity, Sasrec, SasrecConfig } from '../src/baselines/index.js';
import { loadDataset, type NextItemDataset } from '../src/data/index.js';
import { getNumThreads, setNumThreads } from '../src/engine/index.js';
import { benchCommand, configFlags } from './args.js';

/** --smoke's SASRec: small and one epoch. */
export const SASREC_SMOKE = { dModel: 32, nLayers: 1, maxEpochs: 1, refit: false };

const SASREC_OPTIONS = { data: ['embedded', 'office', 'both'], threads: 'positive', dataDir: 'string' } as const;

function sharedDataDir(dataDir: string | undefined): string {
  return dataDir ?? process.env.GENREC_SHARED_DATA ?? path.resolve(process.cwd(), '../shared/data');
}

function round(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

function metricsOf(mean: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(mean).map(([k, v]) => [k, round(v)]));
}

function runOne(ds: NextItemDataset, cfg: SasrecConfig): Record<string, unknown> {
  const n = ds.items.length;
  // Popularity sees the same rows SASRec's final model was trained on.
  const popRows = cfg.refit ? [...ds.train, ...ds.valid] : ds.train;
  const pop = Popularity.fit(n, popRows);
  const popTest = evaluateBaseline(pop.recommendAll(ds.test, 10), ds.test, BASELINE_METRICS, n).mean;
  const model = new Sasrec(n, cfg);
  try {
    const rep = model.fit(ds.train, ds.valid);
    const t0 = performance.now();
    const test = evaluateBaseline(model.recommend(ds.test, 10), ds.test, BASELINE_METRICS, n).mean;
    const rankSec = (performance.now() - t0) / 1000;
    const line = (name: string, m: Record<string, number>): string =>
      `[bench sasrec] ${ds.name} ${name}: ` + BASELINE_METRICS.map((k) => `${k} ${m[k].toFixed(4)}`).join(' ');
    process.stderr.write(line('sasrec test', test) + '\n' + line('popularity test', popTest) + '\n');
    return {
      fingerprint: ds.fingerprint,
      rows: { train: ds.train.length, valid: ds.valid.length, test: ds.test.length },
      items: n,
      test: metricsOf(test),
      popularityTest: metricsOf(popTest),
      validBest: round(rep.bestValid),
      bestEpoch: rep.bestEpoch,
      epochsRun: rep.epochsRun,
      stoppedEarly: rep.stoppedEarly,
      refitEpochs: rep.refitEpochs,
      trainSeconds: Math.round(rep.seconds * 10) / 10,
      secondsPerEpoch: Math.round((rep.seconds / (rep.epochsRun + rep.refitEpochs)) * 100) / 100,
      rankTestSeconds: Math.round(rankSec * 100) / 100,
      numParameters: rep.numParameters,
    };
  } finally {
    model.dispose();
  }
}

export const sasrecBench = benchCommand('sasrec', SASREC_OPTIONS, true, (args) => {
  const { options } = args;
  setNumThreads(options.threads ?? 1);
  const smoke = options.smoke ?? false;
  const base = smoke
    ? SasrecConfig.merge(SasrecConfig.defaults(), SASREC_SMOKE, 'bench sasrec --smoke')
    : SasrecConfig.defaults();
  const cfg = SasrecConfig.merge(base, configFlags(SasrecConfig, args), 'bench arguments');
  const which = smoke ? 'embedded' : (options.data ?? 'both');
  const sets: NextItemDataset[] = [];
  if (which !== 'office') sets.push(loadDataset({ format: 'embedded' }));
  const officeDir = path.join(sharedDataDir(options.dataDir), 'amazon-office');
  const skipped: string[] = [];
  if (which !== 'embedded') {
    if (fs.existsSync(path.join(officeDir, 'train.csv'))) sets.push(loadDataset({ format: 'windows', dir: officeDir }));
    else skipped.push(`amazon-office (not found at ${officeDir})`);
  }
  const results: Record<string, unknown> = {};
  for (const ds of sets) results[ds.name] = runOne(ds, cfg);
  return { bench: 'sasrec', threads: getNumThreads(), config: cfg, results, skipped };
});
