// npm run bench -- scoring --set amazon-office [--methods sft,msl,bear] [--seeds 3] [--selectTag prefixsel]
//                          [--finalTag prefix] [--validUsers 0] [--choose msl=valid,bear=valid] [--diagnose true]
//                          [--pruneUsers 500] [--threads N] [--smoke]
// --selectTag and --finalTag take per-method overrides after the default: `--finalTag prefix,bear=prefix-l1-x1`
// compares bear's runs tagged prefix-l1-x1 (e.g. a λ/ξ chosen on that set's validation) with the others' prefix runs.
// The decoding distribution (`eval.scoring`: 'full' = HF constrained decoding over the full softmax, 'valid' =
// renormalised over the trie-valid tokens, the distribution MSL and BEAR train) chosen on validation, per method:
//  1. the selection run runs/bench/<set>-<method>-s0-<selectTag> (trained on train only, same protocol otherwise) is
//     decoded on the validation rows (the latest --validUsers, 0 = all) under both scorings; the better NDCG@10 wins.
//     --choose method=scoring,… gives the choice instead (for a set without selection runs: a choice made on other
//     sets' validation, never on test). A method with neither keeps 'full', the default;
//  2. the final runs runs/bench/<set>-<method>-s<seed>-<finalTag> (trained on train + valid; seeds 0 … --seeds−1 that
//     exist) are decoded on test with the chosen scoring, and (--diagnose true) BEAR's pruning diagnostics are computed
//     with it on the first --pruneUsers test rows. Test is never used to choose.
// Reported: mean ± std over seeds of NDCG/HR@5/10, PR@5/10, the necessary-condition share and training seconds per
// epoch; PR@10 pooled over seeds (pruned / cases) with its 95% Wilson interval; paired bootstraps of NDCG@10 between
// methods over test users, on seed 0 and on the per-user mean over the seeds both methods have. Evaluations and
// diagnostics are cached next to the runs; the results go to runs/bench/scoring-<set>-<time>.json, with the figure of
// `bench figure` for this set beside it (.svg, with diagnostics). --smoke trains its own tiny runs first (`bench bear
// --smoke`) and keeps everything under a fresh runs/smoke/scoring-<time>. Last line is JSON.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenScoring } from '../src/decode/common.js';
import type { PruningSummary } from '../src/eval/pruning/summary.js';
import { pairedBootstrap } from '../src/eval/stats.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { applyThreads } from '../src/pipeline/threads.js';
import { formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { writeFileAtomicSync, writeJsonAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { benchCommand, smokeRoot, SMOKE_PRUNE_USERS, SMOKE_RUN, type BenchArgs } from './args.js';
import { bearBench, runBear } from './bear.js';
import { scoringFigureSvg } from './figure.js';
import { cachedEvaluation, cachedTestFigures, type CachedEval } from '../src/experiment/figures.js';
import { BENCH_ROOT, benchRunDir, isRunTag } from '../src/experiment/naming.js';
import { readRun } from '../src/experiment/store.js';
import { perUserMeanNdcg10, seedRun, summarize, type SeedRun, type Summary } from '../src/experiment/summary.js';
import { pooledCell, seedColumns, summaryCells } from './seeds.js';

const SCORINGS: TokenScoring[] = ['full', 'valid'];
const SCORING_OPTIONS = {
  set: 'string',
  methods: 'string',
  seeds: 'count',
  selectTag: 'text',
  finalTag: 'text',
  validUsers: 'count',
  choose: 'text',
  diagnose: 'bool',
  pruneUsers: 'count',
  threads: 'count',
} as const;
const log = (l: string): void => void process.stderr.write(l + '\n');

/** --choose msl=valid,bear=valid → { msl: 'valid', bear: 'valid' } (methods must be among `methods`). */
function parseChoices(spec: string, methods: string[]): Record<string, TokenScoring> {
  const out: Record<string, TokenScoring> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const [m, sc, ...rest] = part.split('=');
    if (rest.length > 0 || !methods.includes(m) || (sc !== 'full' && sc !== 'valid'))
      throw new Error(
        `bench scoring: --choose takes method=full|valid for methods ${methods.join(',')}, got '${part}'`,
      );
    out[m] = sc;
  }
  return out;
}

/**
 * --finalTag prefix,bear=prefix-l1-x1 → each method's run tag: the entry without '=' (else `def`) is the default,
 * `method=tag` overrides it for one of `methods`. An absent flag gives `def`, an empty one the empty tag (untagged runs).
 */
export function parseTags(
  flag: string,
  spec: string | undefined,
  methods: string[],
  def: string,
): Record<string, string> {
  if (spec === undefined || spec === '') return Object.fromEntries(methods.map((m) => [m, spec ?? def]));
  let fallback = def;
  const over: Record<string, string> = {};
  const parts = spec.split(',').filter(Boolean);
  const defaults = parts.filter((p) => !p.includes('='));
  if (defaults.length > 1) throw new Error(`bench scoring: --${flag} takes one default tag, got '${spec}'`);
  for (const part of parts) {
    const [m, t, ...rest] = part.includes('=') ? part.split('=') : ['', part];
    if (rest.length > 0 || t === '' || !isRunTag(t) || (m !== '' && !methods.includes(m)))
      throw new Error(
        `bench scoring: --${flag} takes tag[,method=tag…] with tags of [A-Za-z0-9_.-] and methods ${methods.join(',')}, got '${part}'`,
      );
    if (m === '') fallback = t;
    else over[m] = t;
  }
  return Object.fromEntries(methods.map((m) => [m, over[m] ?? fallback]));
}

export const scoringBench = benchCommand('scoring', SCORING_OPTIONS, false, (args) =>
  args.options.smoke ? scoringSmoke(args) : runScoring(args, BENCH_ROOT),
);

/**
 * --smoke: `bench bear --smoke` trains the final runs (tag prefix) of the methods and BEAR's selection run (tag
 * prefixsel) under a fresh smoke directory, then scoring runs on them there (1 seed, PR@K on a few test rows).
 */
async function scoringSmoke(args: BenchArgs<typeof SCORING_OPTIONS>): Promise<Record<string, unknown>> {
  const root = smokeRoot('scoring');
  const { options } = args;
  const methods = options.methods ?? 'sft,msl,bear';
  const threads = options.threads === undefined ? [] : ['--threads', String(options.threads)];
  const bear = (argv: string[]) =>
    runBear(bearBench.parse(['--smoke', '--diagnose', 'false', ...threads, ...argv]), root);
  const sets = Object.keys(await bear(['--methods', methods, '--tag', 'prefix']));
  if (methods.split(',').includes('bear')) await bear(['--methods', 'bear', '--tag', 'prefixsel']);
  return runScoring(
    {
      ...args,
      options: {
        seeds: 1,
        validUsers: SMOKE_RUN.eval.validUsers,
        pruneUsers: SMOKE_PRUNE_USERS,
        ...options,
        set: options.set ?? sets[0],
      },
    },
    root,
  );
}

/** `bench scoring` on the runs under `root` (runs/bench, or a smoke run's own directory), its results there too. */
async function runScoring(
  { options }: BenchArgs<typeof SCORING_OPTIONS>,
  root: string,
): Promise<Record<string, unknown>> {
  const set = options.set;
  if (!set) throw new Error('bench scoring: --set is required (e.g. amazon-office)');
  const methods = (options.methods ?? 'sft,msl,bear').split(',').filter(Boolean);
  const nSeeds = options.seeds ?? 3;
  const selectTags = parseTags('selectTag', options.selectTag, methods, 'prefixsel');
  const finalTags = parseTags('finalTag', options.finalTag, methods, 'prefix');
  const validUsers = options.validUsers ?? 0;
  const pruneUsers = options.pruneUsers ?? 500;
  const diagnose = options.diagnose ?? true;
  const given = parseChoices(options.choose ?? '', methods);
  applyThreads(options.threads ?? 0);

  const final0 = benchRunDir(set, methods[0], 0, finalTags[methods[0]], root);
  const first = readRun(final0, 0);
  if (!first) throw new Error(`bench scoring: no finished run in ${final0}`);
  const ds = loadDatasetFromSpec(first.config.dataset);
  const valid = validUsers > 0 ? ds.valid.slice(-validUsers) : ds.valid;
  const rows: Row[] = [];
  const out: Record<string, { summary: Summary; finalTag: string; chosen: TokenScoring; [k: string]: unknown }> = {};
  const perSeed: Record<string, SeedRun[]> = {};
  for (const m of methods) {
    // 1. choose on validation (or take the given choice)
    const selDir = benchRunDir(set, m, 0, selectTags[m], root);
    const validScores: Partial<Record<TokenScoring, number>> = {};
    let chosen: TokenScoring = 'full';
    let how = 'default';
    const sel = !given[m] && existsSync(join(selDir, 'model.safetensors')) ? readRun(selDir, ds.train.length) : null;
    if (given[m]) {
      chosen = given[m];
      how = 'given';
    } else if (sel) {
      for (const sc of SCORINGS)
        validScores[sc] = cachedEvaluation(selDir, sel.config, valid, 'valid', ds.fingerprint, sc, log).mean['ndcg@10'];
      chosen = (validScores.valid ?? -1) > (validScores.full ?? -1) ? 'valid' : 'full';
      how = 'validation';
    }
    // 2. the final runs on test with the choice
    const seeds: SeedRun[] = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const dir = benchRunDir(set, m, seed, finalTags[m], root);
      const run = readRun(dir, ds.train.length);
      if (!run || !existsSync(join(dir, 'model.safetensors'))) continue;
      let ev: CachedEval;
      let diag: PruningSummary | null = null;
      if (diagnose) {
        const both = cachedTestFigures(dir, run.config, ds.test, ds.fingerprint, pruneUsers, chosen, log);
        ev = both.evaluation;
        diag = both.diagnostics;
      } else ev = cachedEvaluation(dir, run.config, ds.test, 'test', ds.fingerprint, chosen, log);
      seeds.push(seedRun(seed, ev.mean, run.secondsPerEpoch, Float64Array.from(ev.perUser['ndcg@10']), diag));
    }
    if (seeds.length === 0)
      throw new Error(`bench scoring: no finished run ${benchRunDir(set, m, 0, finalTags[m], root)} (or later seeds)`);
    perSeed[m] = seeds;
    const summary = summarize(seeds);
    const row: Row = {
      method: finalTags[m] === finalTags[methods[0]] || methods.length === 1 ? m : `${m} (${finalTags[m]})`,
      'valid full': validScores.full ?? null,
      'valid valid': validScores.valid ?? null,
      chosen: `${chosen} (${how})`,
      seeds: seeds.map((r) => r.seed).join(','),
      ...summaryCells(summary),
    };
    if (diagnose) row['PR@10 pooled'] = pooledCell(summary, 'pr@10') ?? '–';
    rows.push(row);
    out[m] = {
      chosen,
      how,
      validScores,
      seeds: seeds.map((r) => ({ seed: r.seed, ...r.values, counts: r.counts })),
      summary,
      selectRun: selDir,
      finalTag: finalTags[m],
    };
  }
  const cols = [
    { key: 'method' },
    { key: 'valid full', header: 'valid NDCG@10 (full)', decimals: 4, align: 'right' as const },
    { key: 'valid valid', header: 'valid NDCG@10 (valid)', decimals: 4, align: 'right' as const },
    { key: 'chosen' },
    { key: 'seeds' },
    ...seedColumns(),
    ...(diagnose ? [{ key: 'PR@10 pooled', header: 'PR@10 pooled (pruned/cases) [95%]' }] : []),
  ];
  console.log(
    `\n${set}: decoding distribution chosen on validation, test with the choice (mean ± std over seeds; PR@K on ${pruneUsers ? `the first ${pruneUsers}` : 'all'} test rows)`,
  );
  console.log(formatConsoleTable(rows, cols));
  console.log('\n' + formatMarkdownTable(rows, cols));

  // paired bootstraps over test users: seed 0, and the per-user mean over the seeds both methods have
  const comparisons: Record<string, unknown> = {};
  for (let i = 0; i < methods.length; i++) {
    for (let j = i + 1; j < methods.length; j++) {
      const [a, b] = [methods[j], methods[i]];
      const common = new Set(perSeed[a].map((r) => r.seed).filter((s) => perSeed[b].some((r) => r.seed === s)));
      const entry: Record<string, unknown> = {};
      if (common.has(0)) {
        const only0 = new Set([0]);
        entry.seed0 = pairedBootstrap(perUserMeanNdcg10(perSeed[a], only0), perUserMeanNdcg10(perSeed[b], only0), {
          resamples: 1000,
          seed: 0,
        });
      }
      if (common.size > 0) {
        entry.seedMean = pairedBootstrap(perUserMeanNdcg10(perSeed[a], common), perUserMeanNdcg10(perSeed[b], common), {
          resamples: 1000,
          seed: 0,
        });
        entry.seeds = [...common];
      }
      comparisons[`${a} vs ${b}`] = entry;
      for (const [label, bs] of Object.entries(entry)) {
        if (label === 'seeds') continue;
        const r = bs as { diff: number; lo: number; hi: number; verdict: string };
        const what = label === 'seed0' ? 'seed 0' : `per-user mean over seeds ${[...common].join(',')}`;
        console.log(
          `NDCG@10 ${a} − ${b} (${what}, paired bootstrap over ${ds.test.length} test users): ${r.diff.toFixed(4)} [${r.lo.toFixed(4)}, ${r.hi.toFixed(4)}] → ${r.verdict}`,
        );
      }
    }
  }
  const result = {
    set,
    dataset: ds.name,
    fingerprint: ds.fingerprint,
    selectTags,
    finalTags,
    validUsers,
    pruneUsers,
    methods: out,
    comparisons,
  };
  const stem = join(root, `scoring-${set}-${Date.now()}`);
  writeJsonAtomicSync(`${stem}.json`, { codeVersion: codeVersion().string, result });
  if (diagnose) {
    writeFileAtomicSync(
      `${stem}.svg`,
      await scoringFigureSvg([result], `${set}: NDCG@10 and beam-search pruning`, `results: ${stem}.json`),
    );
    console.log(`results: ${stem}.json, figure: ${stem}.svg`);
  }
  return result;
}
