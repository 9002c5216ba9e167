// The experiment layer (src/experiment/) and the shared select-then-refit (src/train/select.ts): selection picks the
// best epoch and refits a fresh, reseeded model for that many epochs; train results files are read through one typed
// reader whose errors name the file and the field; the run store's identity, the seed protocol, the figure cache's
// file names and the user subsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn } from '../src/engine/index.js';
import { selectThenRefit } from '../src/train/select.js';
import { parseTrainResults, readTrainResults, writeResults } from '../src/report/results.js';
import { resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import type { Example, NextItemDataset } from '../src/data/index.js';
import { configKey } from '../src/experiment/identity.js';
import { benchRunDir, isRunTag } from '../src/experiment/naming.js';
import { readRun, storedRun, type StoredRun } from '../src/experiment/store.js';
import { cached, readCached } from '../src/experiment/cache.js';
import { diagnosticsSlot, evaluationSlot } from '../src/experiment/figures.js';
import { seedProtocolRuns } from '../src/experiment/seeds.js';
import { userSubset } from '../src/experiment/data.js';

const draw = (): number[] => randn([4]).toArray();

test('selectThenRefit: the best validation epoch is chosen, then a fresh model reseeded and trained that long', () => {
  const calls: string[] = [];
  const valid = [0.1, 0.3, 0.2, 0.25]; // epoch 2 is best; patience 2 stops after epoch 4
  manualSeed(7);
  const r = selectThenRefit({
    trainWithValidation: () => {
      let best = -Infinity;
      let bestEpoch = 0;
      valid.forEach((v, i) => {
        draw(); // training consumes the generator
        if (v > best) [best, bestEpoch] = [v, i + 1];
      });
      calls.push('select');
      return { bestEpoch, best };
    },
    refit: true,
    seed: 3,
    discard: () => calls.push('discard'),
    retrain: (epochs, selected) => {
      calls.push(`retrain ${epochs} (best ${selected.best})`);
      return { epochs, init: draw() };
    },
  });
  assert.deepEqual(calls, ['select', 'discard', 'retrain 2 (best 0.3)']);
  assert.equal(r.selected.bestEpoch, 2);
  manualSeed(3);
  assert.deepEqual(r.refitted, { epochs: 2, init: draw() }, 'the refit model starts from the reseeded generator');

  calls.length = 0;
  const none = selectThenRefit({
    trainWithValidation: () => (calls.push('select'), { bestEpoch: 5 }),
    refit: false,
    seed: 0,
    discard: () => calls.push('discard'),
    retrain: () => calls.push('retrain'),
  });
  assert.deepEqual(calls, ['select'], 'without refit the selection model is kept');
  assert.deepEqual(none, { selected: { bestEpoch: 5 }, refitted: null });
});

const cfgOf = (o: Record<string, unknown>): RunConfig =>
  resolveRunConfig([{ value: { dataset: 'embedded:office-mini', objective: 'msl', out: 'x', ...o }, source: 'test' }]);

function trainResults(config: RunConfig): Record<string, unknown> {
  return {
    kind: 'train',
    config,
    dataset: { name: 'mini', fingerprint: 'f0', protocol: 'p' },
    metrics: { test: { 'ndcg@10': 0.25, 'hr@10': 0.5 }, popularity: null },
    perUser: { test: { 'ndcg@10': [0.5, 0] } },
    speed: { testUsersPerSec: 100, testSeconds: 0.02, threads: 1 },
    training: {
      bestEpoch: 3,
      selected: true,
      examplesPerEpoch: 10,
      history: [
        { epoch: 1, seconds: 2, examplesPerSec: 5 },
        { epoch: 2, seconds: 4, examplesPerSec: 10 },
      ],
    },
  };
}

test('train results: one typed reader; a malformed file is refused naming the file and the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-exp-'));
  try {
    const file = join(dir, 'results.json');
    const cfg = cfgOf({});
    await writeResults(file, trainResults(cfg) as never);
    const r = readTrainResults(file);
    assert.equal(r.training.bestEpoch, 3);
    assert.deepEqual(r.perUser.test['ndcg@10'], [0.5, 0]);
    const bad = (mutate: (o: Record<string, Record<string, unknown>>) => void, field: RegExp) => {
      const o = JSON.parse(JSON.stringify(r)) as Record<string, Record<string, unknown>>;
      mutate(o);
      const f = join(dir, 'bad', 'results.json');
      mkdirSync(join(dir, 'bad'), { recursive: true });
      writeFileSync(f, JSON.stringify(o));
      assert.throws(
        () => readTrainResults(f),
        (e: Error) => e.message.startsWith(f) && field.test(e.message),
        field.source,
      );
    };
    bad((o) => void (o.training.bestEpoch = 'three'), /'training\.bestEpoch' must be a number/);
    bad((o) => void delete o.perUser.test, /'perUser\.test' must be an object/);
    bad((o) => void (o.metrics.test = { 'ndcg@10': '0.2' }), /'metrics\.test\.ndcg@10' must be a number/);
    bad((o) => void delete o.speed.testUsersPerSec, /'speed\.testUsersPerSec' must be a number/);
    bad((o) => void ((o.training.history as object[])[1] = { seconds: 1 }), /'training\.history\[1\]\.examplesPerSec'/);
    bad((o) => void ((o as Record<string, unknown>).kind = 'eval'), /'kind' must be 'train'/);
    bad((o) => void delete (o as Record<string, unknown>).dataset, /'dataset' must be an object/);
    assert.throws(() => parseTrainResults('{"kind":', 'x/results.json'), /^Error: x\/results\.json: invalid JSON/);
    assert.throws(() => readTrainResults(join(dir, 'none.json')), /none\.json: cannot read/);

    // the run store reads through it: a malformed results file is an error naming it, not a silent mismatch
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'results.json'), JSON.stringify({ ...r, training: { bestEpoch: 1 } }));
    assert.throws(() => readRun(runDir, 0), /run\/results\.json: 'training\.history' must be an array/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run store: a finished run stands in for configs with the same key (threads and unused sections aside)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-exp-'));
  try {
    const cfg = cfgOf({ threads: 1 });
    await writeResults(join(dir, 'results.json'), trainResults(cfg) as never);
    const same = cfgOf({ threads: 2, bear: { lambda: 0.5 } }); // speed only; bear's section is unused by msl
    assert.equal(configKey(same), configKey(cfg));
    assert.notEqual(configKey(cfgOf({ seed: 1 })), configKey(cfg));
    const r = storedRun(dir, [cfgOf({ seed: 1 }), same], 0) as StoredRun;
    assert.ok(r);
    assert.equal(r.reused, true);
    assert.equal(r.bestEpoch, 3);
    assert.deepEqual(Array.from(r.perUser['ndcg@10']), [0.5, 0]);
    assert.equal(r.trainSeconds, 6);
    assert.equal(r.secondsPerEpoch, (10 / 5 + 10 / 10) / 2, 'from examplesPerEpoch and the history');
    assert.equal(storedRun(dir, [cfgOf({ seed: 1 })], 0), null);
    assert.equal(storedRun(join(dir, 'none'), [cfg], 0), null);
    assert.equal(
      benchRunDir('amazon-toy', 'sid:msl', 2, 'prefix'),
      join('runs', 'bench', 'amazon-toy-sid-msl-s2-prefix'),
    );
    assert.equal(benchRunDir('mini', 'bear', 0), join('runs', 'bench', 'mini-bear-s0'));
    assert.ok(isRunTag('') && isRunTag('p-1.x_2') && !isRunTag('../x'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('figure cache: file names and keys as before; a stale key recomputes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-exp-'));
  try {
    writeFileSync(join(dir, 'model.safetensors'), 'weights');
    const cfg = cfgOf({});
    assert.equal(evaluationSlot(dir, cfg, 5, 'test', 'f0', 'full').file, join(dir, 'eval-test-5-full.json'));
    assert.equal(diagnosticsSlot(dir, cfg, 0, 'full').file, join(dir, 'pruning-test-all.json'));
    assert.equal(diagnosticsSlot(dir, cfg, 5, 'valid').file, join(dir, 'pruning-test-5-valid.json'));
    const key = JSON.parse(evaluationSlot(dir, cfg, 5, 'test', 'f0', 'valid').key) as Record<string, unknown>;
    assert.deepEqual(Object.keys(key), ['settings', 'split', 'fingerprint', 'n', 'model']);
    // a beam key holds exactly the settings it held before the decoder was a setting (existing caches stay valid)
    assert.deepEqual(key.settings, {
      beamWidth: cfg.eval.beamWidth,
      ks: cfg.eval.ks,
      chunkUsers: cfg.eval.chunkUsers,
      scoring: 'valid',
    });
    const sampled = cfgOf({ eval: { decoder: 'sample', temperature: 0.8 } });
    const skey = JSON.parse(evaluationSlot(dir, sampled, 5, 'test', 'f0', 'full').key) as {
      settings: Record<string, unknown>;
    };
    assert.equal(skey.settings.decoder, 'sample');
    assert.equal(skey.settings.temperature, 0.8);
    assert.equal('scoring' in JSON.parse(diagnosticsSlot(dir, cfg, 5, 'full').key), false, "'full' keeps old keys");
    const slot = { file: join(dir, 'c.json'), key: 'k1' };
    let n = 0;
    assert.deepEqual(
      cached(slot, () => ({ x: ++n, y: NaN })),
      { x: 1, y: null },
    );
    assert.deepEqual(
      cached(slot, () => ({ x: ++n, y: 0 })),
      { x: 1, y: null },
      'read back',
    );
    assert.equal(readCached({ ...slot, key: 'k2' }), null, 'stale');
    assert.deepEqual(
      cached({ ...slot, key: 'k2' }, () => ({ x: ++n })),
      { x: 2 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seed protocol: seed 0 selects the epoch count, later seeds train that long without selection', async () => {
  const config = (seed: number, extra?: object): RunConfig =>
    resolveRunConfig([
      { value: { dataset: 'embedded:office-mini', objective: 'msl', seed, out: `r${seed}` }, source: 'test' },
      { value: extra ?? {}, source: 'test extra' },
    ]);
  const trained: { seed: number; select: boolean; epochs: number; accept: number }[] = [];
  const run = async (cfg: RunConfig, accept: RunConfig[] = []): Promise<StoredRun> => {
    trained.push({ seed: cfg.seed, select: cfg.select, epochs: cfg.trainer.epochs, accept: accept.length });
    if (accept.length) assert.equal(accept[0].select, true, 'a run of the selecting config is accepted too');
    return { bestEpoch: cfg.select ? 4 : cfg.trainer.epochs, config: cfg } as StoredRun;
  };
  const seen: number[] = [];
  const rs = await seedProtocolRuns([2, 1], { config, run, onRun: (s) => seen.push(s) });
  const epochs = config(0).trainer.epochs;
  assert.deepEqual(trained, [
    { seed: 0, select: true, epochs, accept: 0 }, // seed 0 first, for its epoch count
    { seed: 2, select: false, epochs: 4, accept: 1 },
    { seed: 1, select: false, epochs: 4, accept: 1 },
  ]);
  assert.deepEqual(seen, [2, 1]);
  assert.deepEqual(
    rs.map((r) => r.config.seed),
    [2, 1],
  );
  trained.length = 0;
  const independent = (seed: number, extra?: object) => config(seed, { select: false, ...extra });
  await seedProtocolRuns([1, 0], { config: independent, run });
  assert.deepEqual(
    trained.map((t) => [t.seed, t.select, t.epochs]),
    [
      [1, false, epochs],
      [0, false, epochs],
    ],
  );
});

test('userSubset: the first n users by id with all their rows', () => {
  const ex = (user: string, target: number): Example => ({ user, history: [0], target }) as Example;
  const ds = {
    name: 'd',
    fingerprint: 'f',
    train: [ex('c', 1), ex('a', 2), ex('b', 3)],
    valid: [ex('b', 4)],
    test: [ex('a', 5), ex('c', 6)],
  } as unknown as NextItemDataset;
  const s = userSubset(ds, 2);
  assert.equal(s.name, 'd-2u');
  assert.equal(s.fingerprint, 'f-2u');
  assert.deepEqual(
    [s.train, s.valid, s.test].map((xs) => xs.map((e) => e.target)),
    [[2, 3], [4], [5]],
  );
});
