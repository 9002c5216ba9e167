import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  bool,
  closest,
  defineConfig,
  editDistance,
  int,
  intList,
  num,
  numList,
  oneOf,
  str,
  strList,
  type ConfigOf,
} from '../src/util/config.js';

const TrainConfig = defineConfig('train', {
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: 'AdamW learning rate.' }),
  epochs: int({ default: 10, min: 1, doc: 'Training epochs.' }),
  objective: oneOf(['sft', 'msl', 'bear'], { default: 'msl', doc: 'Objective.', paper: 'MSL (Wang et al. 2025)' }),
  lambda: num({ default: 1.0, min: 0, doc: 'BEAR regulariser weight λ.', paper: 'BEAR §3.2; searched in [0.1, 5.0]' }),
  useCache: bool({ default: true, doc: 'Cache encoded batches.' }),
  name: str({ default: 'x', doc: 'Run name.' }),
  ks: intList({ default: [5, 10], min: 1, doc: 'Cutoffs.' }),
});
type TrainConfig = ConfigOf<typeof TrainConfig>;

const ModelConfig = defineConfig('model', {
  dim: int({ default: 64, min: 1, doc: 'Hidden size.' }),
  dropout: num({ default: 0.1, min: 0, max: 1, exclusiveMax: true, doc: 'Dropout.' }),
});

const RunConfig = defineConfig('run', {
  seed: int({ default: 0, doc: 'Seed.' }),
  model: ModelConfig,
  train: TrainConfig,
});
type RunConfig = ConfigOf<typeof RunConfig>;

// Compile-time check of the inferred types (this file fails to compile if inference breaks).
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const inferredTrain: Equals<
  TrainConfig,
  {
    lr: number;
    epochs: number;
    objective: 'sft' | 'msl' | 'bear';
    lambda: number;
    useCache: boolean;
    name: string;
    ks: number[];
  }
> = true;
const inferredRun: Equals<RunConfig['model'], { dim: number; dropout: number }> = true;

function throwsConfig(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

test('type inference is exact', () => {
  assert.equal(inferredTrain, true);
  assert.equal(inferredRun, true);
});

test('defaults are filled and independent copies', () => {
  const d = TrainConfig.defaults();
  assert.deepEqual(d, { lr: 1e-3, epochs: 10, objective: 'msl', lambda: 1, useCache: true, name: 'x', ks: [5, 10] });
  d.ks.push(99);
  assert.deepEqual(TrainConfig.defaults().ks, [5, 10]);
  const r = RunConfig.defaults();
  assert.equal(r.train.epochs, 10);
  assert.equal(r.model.dim, 64);
});

test('parse fills missing keys and validates present ones', () => {
  const c = TrainConfig.parse({ lr: 3e-4, objective: 'bear' }, 'runs/x.json');
  assert.equal(c.lr, 3e-4);
  assert.equal(c.objective, 'bear');
  assert.equal(c.epochs, 10);
});

test('unknown key is rejected with source, suggestion and known keys', () => {
  throwsConfig(
    () => TrainConfig.parse({ lr2: 1 }, 'runs/x.json'),
    /^unknown key 'lr2' in train config \(from runs\/x\.json\); did you mean 'lr'\?; known keys: lr, epochs, objective/,
  );
  // No suggestion for something far from every key.
  assert.throws(
    () => TrainConfig.parse({ zzzzzzzz: 1 }, 'f.json'),
    (e: Error) => !/did you mean/.test(e.message) && /unknown key 'zzzzzzzz'/.test(e.message),
  );
});

test('bad values name the key, the value and the source, per type', () => {
  const src = 'command line';
  throwsConfig(() => TrainConfig.parse({ lr: -1 }, src), /^train\.lr: must be > 0, got -1 \(from command line\)$/);
  throwsConfig(() => TrainConfig.parse({ lr: 0 }, src), /^train\.lr: must be > 0, got 0/);
  throwsConfig(() => TrainConfig.parse({ lr: '0.1' }, src), /^train\.lr: must be a finite number, got "0\.1"/);
  throwsConfig(() => TrainConfig.parse({ epochs: 2.5 }, src), /^train\.epochs: must be an integer, got 2\.5/);
  throwsConfig(() => TrainConfig.parse({ epochs: 0 }, src), /^train\.epochs: must be >= 1, got 0/);
  throwsConfig(
    () => TrainConfig.parse({ objective: 'mls' }, src),
    /^train\.objective: must be one of 'sft', 'msl', 'bear', got "mls" \(did you mean 'msl'\?\)/,
  );
  throwsConfig(() => TrainConfig.parse({ useCache: 'yes' }, src), /^train\.useCache: must be true or false, got "yes"/);
  throwsConfig(() => TrainConfig.parse({ name: 3 }, src), /^train\.name: must be a string, got 3/);
  throwsConfig(() => TrainConfig.parse({ ks: [5, 'a'] }, src), /^train\.ks: element \[1\] must be an integer, got "a"/);
  throwsConfig(() => TrainConfig.parse({ ks: [0] }, src), /^train\.ks: element \[0\] must be >= 1, got 0/);
  throwsConfig(() => TrainConfig.parse({ ks: 5 }, src), /^train\.ks: must be an array of int/);
  throwsConfig(() => TrainConfig.parse([1], src), /expected an object/);
  throwsConfig(() => ModelConfig.parse({ dropout: 1 }), /^model\.dropout: must be < 1, got 1$/);
});

test('ConfigError carries key and source', () => {
  try {
    TrainConfig.parse({ lr: -1 }, 'a.json');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.key, 'lr');
    assert.equal(e.source, 'a.json');
  }
});

test('invalid defaults and missing docs fail at definition time', () => {
  assert.throws(() => num({ default: -1, min: 0, doc: 'x' }), /invalid default -1 .*must be >= 0/);
  assert.throws(() => oneOf(['a', 'b'], { default: 'c' as 'a', doc: 'x' }), /invalid default "c"/);
  assert.throws(() => int({ default: 1, doc: '' }), /needs a doc/);
  assert.throws(
    () => defineConfig('bad', { 'a.b': int({ default: 1, doc: 'x' }) }),
    /invalid key 'a\.b' in bad config/,
  );
});

test('fromFlags converts strings to typed values', () => {
  const o = TrainConfig.fromFlags(
    { lr: '3e-4', ks: '5,10,20', useCache: 'false', objective: 'sft', epochs: ' 3 ', name: 'run1' },
    'command line',
  );
  assert.deepEqual(o, { lr: 3e-4, ks: [5, 10, 20], useCache: false, objective: 'sft', epochs: 3, name: 'run1' });
  assert.deepEqual(TrainConfig.fromFlags({ ks: '' }).ks, []);
  throwsConfig(
    () => TrainConfig.fromFlags({ lr: 'abc' }, 'command line'),
    /^train\.lr: must be a number, got "abc" \(from command line\)$/,
  );
  throwsConfig(() => TrainConfig.fromFlags({ lr: '' }, 'command line'), /^train\.lr: must be a number, got ""/);
  throwsConfig(() => TrainConfig.fromFlags({ epochs: '1.5' }), /^train\.epochs: must be an integer, got 1\.5/);
  throwsConfig(() => TrainConfig.fromFlags({ ks: '5,x' }), /^train\.ks: element \[1\] must be an integer, got "x"/);
  throwsConfig(() => TrainConfig.fromFlags({ useCache: 'maybe' }), /^train\.useCache: must be true or false/);
  throwsConfig(
    () => TrainConfig.fromFlags({ epoch: '3' }, 'command line'),
    /unknown key 'epoch' in train config \(from command line\); did you mean 'epochs'\?/,
  );
});

test('nested sections: dotted flags, nested parse errors, section keys', () => {
  const o = RunConfig.fromFlags({ 'train.lr': '3e-4', 'model.dim': '128', seed: '7' });
  assert.deepEqual(o, { train: { lr: 3e-4 }, model: { dim: 128 }, seed: 7 });
  const merged = RunConfig.merge(RunConfig.defaults(), o, 'command line');
  assert.equal(merged.train.lr, 3e-4);
  assert.equal(merged.train.epochs, 10);
  assert.equal(merged.model.dim, 128);
  assert.equal(merged.model.dropout, 0.1);
  throwsConfig(
    () => RunConfig.fromFlags({ 'train.lr2': '1' }),
    /unknown key 'train\.lr2' in run config; did you mean 'train\.lr'\?/,
  );
  throwsConfig(() => RunConfig.fromFlags({ train: '1' }), /'train' is a section of the run config/);
  throwsConfig(
    () => RunConfig.parse({ train: { lr2: 1 } }, 'r.json'),
    /^unknown key 'train\.lr2' in run\.train config \(from r\.json\); did you mean 'train\.lr'\?/,
  );
  throwsConfig(
    () => RunConfig.parse({ train: { lr: -1 } }, 'r.json'),
    /^run\.train\.lr: must be > 0, got -1 \(from r\.json\)$/,
  );
  throwsConfig(
    () => RunConfig.parse({ train: 5 }, 'r.json'),
    /^run\.train: expected an object with train config keys, got 5/,
  );
  assert.deepEqual(RunConfig.keys().slice(0, 4), ['seed', 'model.dim', 'model.dropout', 'train.lr']);
});

test('merge order: defaults < file < flags, without mutating the base', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genrec-config-'));
  try {
    const file = path.join(dir, 'x.json');
    writeFileSync(file, JSON.stringify({ seed: 1, train: { lr: 0.01, epochs: 5 }, model: { dim: 32 } }));
    const base = RunConfig.defaults();
    const fromFile = RunConfig.merge(base, JSON.parse('{"seed": 1, "train": {"lr": 0.01, "epochs": 5}}'), file);
    const loaded = RunConfig.load(file);
    assert.equal(loaded.model.dim, 32);
    const final = RunConfig.merge(
      fromFile,
      RunConfig.fromFlags({ 'train.lr': '0.5', 'train.ks': '1' }),
      'command line',
    );
    assert.equal(final.seed, 1); // from file
    assert.equal(final.train.epochs, 5); // from file
    assert.equal(final.train.lr, 0.5); // flag beats file
    assert.deepEqual(final.train.ks, [1]); // arrays are replaced whole
    assert.equal(final.train.objective, 'msl'); // default
    assert.equal(base.train.lr, 1e-3); // base untouched
    assert.equal(fromFile.train.lr, 0.01);
    fromFile.train.ks.push(42);
    assert.deepEqual(base.train.ks, [5, 10]); // no aliasing of arrays
    writeFileSync(file, '{"seed": 1,}');
    throwsConfig(() => RunConfig.load(file), /invalid JSON in run config file .*x\.json/);
    writeFileSync(file, '{"sed": 1}');
    throwsConfig(
      () => RunConfig.load(file),
      /unknown key 'sed' in run config \(from .*x\.json\); did you mean 'seed'\?/,
    );
    throwsConfig(() => RunConfig.load(path.join(dir, 'missing.json')), /cannot read run config file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fromArgv: --k v, --k=v, bare booleans, --no-, positionals, --', () => {
  const { overrides, positional } = RunConfig.fromArgv([
    'train',
    '--train.lr',
    '3e-4',
    '--model.dim=16',
    '--no-train.useCache',
    'data.json',
    '--',
    '--not-a-flag',
  ]);
  assert.deepEqual(overrides, { train: { lr: 3e-4, useCache: false }, model: { dim: 16 } });
  assert.deepEqual(positional, ['train', 'data.json', '--not-a-flag']);
  assert.deepEqual(TrainConfig.fromArgv(['--useCache']).overrides, { useCache: true });
  assert.deepEqual(TrainConfig.fromArgv(['--useCache', 'false', 'x']), {
    overrides: { useCache: false },
    positional: ['x'],
  });
  throwsConfig(() => TrainConfig.fromArgv(['--lr']), /--lr needs a value \(number/);
  throwsConfig(() => TrainConfig.fromArgv(['--lr', '--epochs', '3']), /--lr needs a value/);
  throwsConfig(() => TrainConfig.fromArgv(['--lr', '1', '--lr', '2']), /--lr given twice/);
  throwsConfig(
    () => TrainConfig.fromArgv(['--lrr', '1']),
    /unknown key 'lrr' in train config \(from command line\); did you mean 'lr'\?/,
  );
  throwsConfig(() => TrainConfig.fromArgv(['--lr', '-1']), /^train\.lr: must be > 0, got -1 \(from command line\)$/);
});

test('docs() renders a markdown table with type, default, doc and paper', () => {
  const md = RunConfig.docs();
  const lines = md.trim().split('\n');
  assert.equal(lines[0], '| key | type | default | description | paper |');
  assert.equal(lines.length, 2 + RunConfig.keys().length);
  assert.ok(lines.includes('| `train.lr` | number (> 0) | `0.001` | AdamW learning rate. |  |'), md);
  assert.ok(
    lines.includes(
      "| `train.objective` | 'sft' \\| 'msl' \\| 'bear' | `'msl'` | Objective. | MSL (Wang et al. 2025) |",
    ),
    md,
  );
  assert.ok(lines.includes('| `train.ks` | int[] (≥ 1) | `5,10` | Cutoffs. |  |'), md);
});

test('numList and strList', () => {
  const C = defineConfig('c', {
    ws: numList({ default: [0.5], minLength: 1, doc: 'weights' }),
    tags: strList({ default: [], doc: 'tags' }),
  });
  assert.deepEqual(C.fromFlags({ ws: '0.1, 0.2', tags: 'a, b' }), { ws: [0.1, 0.2], tags: ['a', 'b'] });
  throwsConfig(() => C.fromFlags({ ws: '' }), /^c\.ws: must have at least 1 element\(s\), got 0/);
  throwsConfig(() => C.parse({ tags: [1] }), /^c\.tags: element \[0\] must be a string/);
});

test('suggestions', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(closest('lamda', ['lr', 'lambda', 'epochs']), 'lambda');
  assert.equal(closest('LR', ['lr', 'epochs']), 'lr');
  assert.equal(closest('qqqqqq', ['lr', 'epochs']), undefined);
});
