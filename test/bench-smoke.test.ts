// The comparison benches end to end on a small cut of the embedded set with the tiny preset (seconds): `bench bear`
// trains two seeds per method (seed 1 with --seedList, before seed 0: without selection the seeds are independent),
// `bench scoring` chooses the decoding distribution on a selection run's validation rows and evaluates every seed with
// it (cached: a second call gives the same figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedDir } from '../src/data/index.js';
import { setNumThreads } from '../src/engine/index.js';
import { bearBench } from '../bench/bear.js';
import { parseTags, scoringBench } from '../bench/scoring.js';
import { pooledCell } from '../bench/seeds.js';
import { summarize, type SeedRun } from '../src/experiment/summary.js';
import { cachedTestFigures } from '../src/experiment/figures.js';
import { readRun } from '../src/experiment/store.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { evalSettings } from '../src/pipeline/config.js';
import { evaluateModel } from '../src/pipeline/evaluate.js';
import { modelPruningDiagnostics } from '../src/eval/pruning/model.js';
import { scoringPanels } from '../bench/figure.js';
import { wilsonInterval } from '../src/eval/stats.js';

setNumThreads(1);

/** A bench command line from option → value (each as `--key value`). */
const args = (o: Record<string, string>) => Object.entries(o).flatMap(([k, v]) => [`--${k}`, v]);
/** A small windows-format set `mini` under `dataDir`: the embedded set's catalogue, its first `rows` rows per split. */
function miniSet(dataDir: string, rows: number): void {
  const src = embeddedDir();
  const dst = join(dataDir, 'mini');
  mkdirSync(dst, { recursive: true });
  copyFileSync(join(src, 'id2name4Rec.json'), join(dst, 'id2name4Rec.json'));
  for (const f of ['train.csv', 'valid.csv', 'test.csv']) {
    const lines = readFileSync(join(src, f), 'utf8').split('\n');
    writeFileSync(join(dst, f), lines.slice(0, rows + 1).join('\n') + '\n');
  }
}

const COMMON = {
  sets: 'mini',
  dataDir: 'data',
  paperSample: 'false',
  preset: 'tiny',
  threads: '1',
  'trainer.epochs': '1',
  'model.dModel': '16',
  'model.dFF': '32',
  'model.nLayers': '1',
  'eval.validUsers': '30',
};

test('bench bear (--seedList) and bench scoring (choice on validation, all seeds, cached) on the embedded set', async () => {
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'genrec-bench-'));
  const quiet = console.log;
  process.chdir(dir);
  console.log = () => {};
  try {
    miniSet('data', 40);
    const final = { ...COMMON, select: 'false', tag: 'prefix', methods: 'sft,bear', pruneUsers: '5' };
    // without selection seed 1 needs nothing from seed 0, so it can run first (or beside it)
    await bearBench(args({ ...final, seedList: '1', diagnose: 'false' }));
    assert.ok(!existsSync(join('runs', 'bench', 'mini-sft-s0-prefix')));
    await bearBench(args({ ...final, seeds: '1' }));
    await bearBench(
      args({ ...COMMON, tag: 'prefixsel', seeds: '1', methods: 'bear', diagnose: 'false', refit: 'false' }),
    );
    const runs = readdirSync(join('runs', 'bench'))
      .filter((f) => !f.endsWith('.json'))
      .sort();
    assert.deepEqual(runs, [
      'mini-bear-s0-prefix',
      'mini-bear-s0-prefixsel',
      'mini-bear-s1-prefix',
      'mini-sft-s0-prefix',
      'mini-sft-s1-prefix',
    ]);
    const flags = { set: 'mini', methods: 'sft,bear', validUsers: '30', pruneUsers: '5', seeds: '3' };
    const r = (await scoringBench(args(flags))) as {
      methods: Record<string, { chosen: string; how: string; validScores: object; seeds: { seed: number }[] }>;
      comparisons: Record<string, { seeds: number[] }>;
    };
    assert.equal(r.methods.sft.how, 'default');
    assert.equal(r.methods.sft.chosen, 'full');
    assert.equal(r.methods.bear.how, 'validation');
    assert.deepEqual(Object.keys(r.methods.bear.validScores).sort(), ['full', 'valid']);
    assert.deepEqual(
      r.methods.bear.seeds.map((s) => s.seed),
      [0, 1],
    );
    assert.deepEqual(r.comparisons['bear vs sft'].seeds, [0, 1]);
    const figures = readdirSync(join('runs', 'bench')).filter((f) => /^scoring-mini-\d+\.svg$/.test(f));
    assert.equal(figures.length, 1, 'bench scoring draws its figure beside its JSON');
    assert.match(readFileSync(join('runs', 'bench', figures[0]), 'utf8'), /series: BEAR;/);
    const bearDir = join('runs', 'bench', 'mini-bear-s1-prefix');
    assert.ok(existsSync(join(bearDir, `pruning-test-5${r.methods.bear.chosen === 'full' ? '' : '-valid'}.json`)));
    // cached figures come back unchanged; a given choice overrides validation
    const again = (await scoringBench(args(flags))) as typeof r;
    assert.deepEqual(again.methods, r.methods);
    const given = (await scoringBench(
      args({ ...flags, choose: 'bear=valid,sft=valid', diagnose: 'false' }),
    )) as typeof r;
    assert.equal(given.methods.bear.how, 'given');
    assert.equal(given.methods.sft.chosen, 'valid');
    await assert.rejects(async () => scoringBench(args({ ...flags, choose: 'msl=valid' })), /--choose/);
    await assert.rejects(
      async () => scoringBench(args({ ...flags, finalTag: 'prefix,sft=nosuch' })),
      /no finished run .*mini-sft-s0-nosuch/,
    );
    assert.throws(() => scoringBench(args({ ...flags, bogus: '1' })), /bench scoring: unknown option --bogus/);

    // diagnostics on every test row: one beam search serves both, and the evaluation it gives equals a plain one
    const dir1 = join('runs', 'bench', 'mini-sft-s1-prefix');
    const run1 = readRun(dir1, 0)!;
    const ds = loadDatasetFromSpec(run1.config.dataset);
    rmSync(join(dir1, `eval-test-${ds.test.length}-valid.json`), { force: true });
    const lines: string[] = [];
    const both = cachedTestFigures(dir1, run1.config, ds.test, ds.fingerprint, 0, 'valid', (l) => lines.push(l));
    assert.ok(lines.some((l) => l.includes("from the diagnostics' beam search")));
    const loaded = loadRun(dir1);
    const plain = evaluateModel(loaded.model, ds.test, { ...evalSettings(run1.config), scoring: 'valid' });
    assert.deepEqual(Object.keys(both.evaluation.perUser).sort(), Object.keys(plain.perUser).sort());
    for (const [k, v] of Object.entries(plain.perUser)) assert.deepEqual(both.evaluation.perUser[k], Array.from(v), k);
    const diag = modelPruningDiagnostics(loaded.model, ds.test, {
      beamWidth: run1.config.eval.beamWidth,
      ks: run1.config.eval.ks,
      chunkUsers: run1.config.eval.chunkUsers,
      scoring: 'valid',
    });
    assert.deepEqual(both.diagnostics.byK, JSON.parse(JSON.stringify(diag.summary.byK)));
    loaded.model.dispose();
    // both are cached now: a second call reads them back
    lines.length = 0;
    const reread = cachedTestFigures(dir1, run1.config, ds.test, ds.fingerprint, 0, 'valid', (l) => lines.push(l));
    assert.deepEqual(reread, both);
    assert.equal(lines.length, 0);
  } finally {
    console.log = quiet;
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench scoring --finalTag/--selectTag: a default tag with per-method overrides', () => {
  const ms = ['sft', 'msl', 'bear'];
  assert.deepEqual(parseTags('finalTag', undefined, ms, 'prefix'), { sft: 'prefix', msl: 'prefix', bear: 'prefix' });
  assert.deepEqual(parseTags('finalTag', '', ms, 'prefix'), { sft: '', msl: '', bear: '' });
  assert.deepEqual(parseTags('finalTag', 'p2', ms, 'prefix'), { sft: 'p2', msl: 'p2', bear: 'p2' });
  assert.deepEqual(parseTags('finalTag', 'bear=prefix-l1-x1', ms, 'prefix'), {
    sft: 'prefix',
    msl: 'prefix',
    bear: 'prefix-l1-x1',
  });
  assert.deepEqual(parseTags('finalTag', 'bear=b,p,msl=m', ms, 'prefix'), { sft: 'p', msl: 'm', bear: 'b' });
  assert.throws(() => parseTags('finalTag', 'a,b', ms, 'prefix'), /--finalTag takes one default/);
  assert.throws(() => parseTags('selectTag', 'sasrec=x', ms, 'prefix'), /--selectTag.*'sasrec=x'/);
  assert.throws(() => parseTags('finalTag', 'bear=../x', ms, 'prefix'), /--finalTag/);
  assert.throws(() => parseTags('finalTag', 'bear=', ms, 'prefix'), /--finalTag/);
});

test('bench figure panels: NDCG@10 mean ± std, pooled PR@10 with its Wilson interval, a missing method has no bar', () => {
  const summary = (ndcg: number[], cases: number, pruned: number) =>
    summarize(
      ndcg.map((v, seed) => ({
        seed,
        values: { 'ndcg@10': v, 'nec@10': 0.5 },
        counts: { 'pr@10': { cases: seed === 0 ? cases : 0, pruned: seed === 0 ? pruned : 0 } },
        ndcg10: new Float64Array(0),
      })),
    );
  const [ndcg, pr, nec] = scoringPanels([
    { set: 'amazon-office', methods: { sft: { summary: summary([0.01, 0.02], 40, 10) } } },
    {
      set: 'amazon-toy',
      methods: { sft: { summary: summary([0.03], 0, 0) }, bear: { summary: summary([0.04, 0.06], 20, 2) } },
    },
  ]);
  assert.deepEqual(ndcg.series, ['SFT', 'BEAR']);
  assert.deepEqual(
    ndcg.groups.map((g) => g.label),
    ['office', 'toy'],
  );
  const office = ndcg.groups[0].bars[0]!;
  assert.ok(Math.abs(office.value - 0.015) < 1e-12);
  assert.ok(Math.abs(office.hi! - office.value - Math.sqrt(0.00005)) < 1e-12, 'sample std of 0.01, 0.02');
  assert.equal(ndcg.groups[0].bars[1], null, 'no BEAR on office');
  assert.deepEqual(ndcg.groups[1].bars[0], { value: 0.03 }, 'one seed: no whisker');
  const w = wilsonInterval(10, 40);
  assert.deepEqual(pr.groups[0].bars[0], { value: 0.25, lo: w.lo, hi: w.hi });
  assert.equal(pr.groups[1].bars[0], null, 'no case: no rate');
  assert.equal(nec.groups[1].bars[1]!.value, 0.5);
});

test('pooled PR@K cell: pruned/cases over seeds with the 95% Wilson interval', () => {
  const run = (seed: number, cases: number, pruned: number): SeedRun => ({
    seed,
    values: { 'pr@10': cases > 0 ? pruned / cases : NaN },
    counts: { 'pr@10': { cases, pruned } },
    ndcg10: new Float64Array([0.1]),
  });
  // 3/10 + 1/10 = 4/20 = 0.2; Wilson (z = 1.96) for 4 of 20: [0.0807, 0.4160]
  assert.equal(pooledCell(summarize([run(0, 10, 3), run(1, 10, 1)]), 'pr@10'), '0.200 (4/20) [0.081, 0.416]');
  assert.equal(pooledCell(summarize([run(0, 0, 0)]), 'pr@10'), '–');
  assert.equal(pooledCell(summarize([run(0, 10, 3)]), 'pr@5'), null);
});
