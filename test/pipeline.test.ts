// End-to-end pipeline on a slice of the embedded data set: train → checkpoint → results file →
// reload → recommend → `genrec eval --out`; run-config layering and loud errors; the CLI's error path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { evalSettings, resolveRunConfig, RunConfigDef } from '../src/pipeline/config.js';
import { runExperiment, runTrainerSeed } from '../src/pipeline/run.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { evaluateModel } from '../src/pipeline/evaluate.js';
import { recommend } from '../src/pipeline/recommend.js';
import { liveTensors, setNumThreads } from '../src/engine/index.js';
import { readCheckpointMeta } from '../src/engine/checkpoint.js';

const here = dirname(fileURLToPath(import.meta.url));

test('run config: defaults < preset < layers, unknown keys and bad values name the key', () => {
  const c = resolveRunConfig([{ value: { preset: 'tiny', trainer: { epochs: 3 } }, source: 'test' }]);
  assert.equal(c.model.dModel, 64); // from the tiny preset
  assert.equal(c.trainer.epochs, 3); // the layer wins over the preset
  assert.equal(c.trainer.lr, 2e-3); // preset value kept
  assert.throws(
    () => resolveRunConfig([{ value: { trainer: { lr2: 1 } }, source: 'x.json' }]),
    /unknown key 'trainer\.lr2'.*x\.json.*did you mean 'trainer\.lr'/,
  );
  assert.throws(() => resolveRunConfig([{ value: { eval: { beamWidth: 0 } }, source: 'flags' }]), /eval\.beamWidth/);
  assert.throws(
    () => resolveRunConfig([{ value: { eval: { beamWidth: 5, ks: [10] } }, source: 'flags' }]),
    /exceeds eval\.beamWidth/,
  );
  assert.throws(
    () => resolveRunConfig([{ value: { model: { dModel: 66, nHeads: 4 } }, source: 'flags' }]),
    /model\.nHeads/,
  );
  const flags = RunConfigDef.fromFlags({ 'trainer.lr': '3e-4', objective: 'sft' }, 'command line');
  const c2 = resolveRunConfig([{ value: flags, source: 'command line' }]);
  assert.equal(c2.trainer.lr, 3e-4);
  assert.equal(c2.objective, 'sft');
});

test('pipeline: train on a slice, write results, reload the run and recommend valid items', async () => {
  setNumThreads(1);
  const full = loadDataset({ format: 'embedded' });
  const ds = { ...full, train: full.train.slice(0, 256), valid: full.valid.slice(0, 16), test: full.test.slice(0, 24) };
  const dir = mkdtempSync(join(tmpdir(), 'genrec-pipeline-'));
  const live0 = liveTensors();
  try {
    const cfg = resolveRunConfig([
      {
        value: {
          preset: 'tiny',
          out: dir,
          seed: 1,
          threads: 1,
          refit: false,
          trainOnPrefixes: true,
          trainer: { epochs: 1, batchSize: 64, logIntervalSec: 0 },
          eval: { validUsers: 8, beamWidth: 5, ks: [1, 5], chunkUsers: 8 },
        },
        source: 'test',
      },
    ]);
    const out = await runExperiment(cfg, { data: ds, log: () => {} });
    assert.equal(out.test.n, 24);
    assert.equal(out.test.mean['invalid@5'], 0);
    for (const r of out.test.rankings) {
      assert.equal(new Set(r).size, r.length, 'distinct items');
      for (const it of r) assert.ok(it >= 0 && it < ds.items.length);
    }
    const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    assert.equal(res.dataset.fingerprint, full.fingerprint);
    assert.match(res.dataset.protocol, /bear-windows/);
    assert.equal(res.config.objective, 'msl');
    assert.ok(typeof res.codeVersion === 'string' && res.codeVersion.startsWith('genrec@'));
    assert.ok(existsSync(join(dir, 'model.safetensors')));
    // the run seed reaches the trainer (batch order, dropout): seed 1 trains with a seed forked from trainer.seed
    const state = readCheckpointMeta(join(dir, 'checkpoints', 'last.safetensors')) as { config?: { seed?: number } };
    assert.equal(state.config?.seed, runTrainerSeed(1, 42));
    assert.notEqual(runTrainerSeed(1, 42), 42);
    assert.notEqual(runTrainerSeed(1, 42), runTrainerSeed(2, 42));
    assert.equal(runTrainerSeed(0, 42), 42, 'seed 0 keeps trainer.seed: seed-0 runs are unchanged');

    const run = loadRun(dir);
    const calls: number[][] = [];
    const [again] = recommend(
      run.model,
      [ds.test[0].history, ds.test[1].history],
      { decoder: 'beam', beamWidth: 5, topK: 5, chunkUsers: 1, scoring: 'full', temperature: 1, sampleSeed: 0 },
      (done, total) => calls.push([done, total]),
    );
    assert.deepEqual(calls, [
      [1, 2],
      [2, 2],
    ]);
    assert.deepEqual(
      again.map((h) => h.item),
      out.test.rankings[0],
      'the reloaded model decodes the same top-5 as the trained one',
    );
    // `genrec eval --out`: the same figures as an in-process evaluation, at full precision, per user, with provenance
    const file = join(dir, 'eval-valid.json');
    const cli = spawnSync(
      process.execPath,
      [join(here, '..', 'src', 'cli', 'main.js'), 'eval', '--run', dir, '--split', 'valid', '--out', file],
      { encoding: 'utf8' },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    const inProcess = evaluateModel(run.model, full.valid, evalSettings(run.config));
    assert.equal(written.kind, 'eval');
    assert.equal(written.split, 'valid');
    assert.equal(written.dataset.fingerprint, full.fingerprint);
    assert.ok(written.codeVersion.startsWith('genrec@'));
    assert.equal(written.perUser.valid['ndcg@5'].length, full.valid.length);
    for (const k of ['hr@5', 'ndcg@5']) assert.ok(Math.abs(written.metrics.valid[k] - inProcess.mean[k]) < 1e-12, k);
    run.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(liveTensors() - live0 < 64, 'no growing tensor leak across a run (models are disposed by GC later)');
});

test('cli: unknown keys fail loudly with the key name and exit code 1', () => {
  const cli = join(here, '..', 'src', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [cli, 'train', '--trainer.lr2', '1'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /trainer\.lr2/);
  const u = spawnSync(process.execPath, [cli, 'bogus'], { encoding: 'utf8' });
  assert.equal(u.status, 2);
  assert.match(u.stderr, /usage: genrec/);
});
