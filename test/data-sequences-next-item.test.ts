// The `sequences:<dir>` spec: JSONL sequences (the MovieLens format) split for the next-item task.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDatasetFromSpec, parseDatasetSpec } from '../src/pipeline/dataset.js';
import { fixtureDirs, throwsData } from './data-fixtures.js';

const dirOf = fixtureDirs('genrec-seq-next-');

const seqLine = (user: number, items: number[]): string =>
  JSON.stringify({ user, items, timestamps: items.map((_, i) => 100 * user + i) });

function fixture(): string {
  return dirOf({
    'sequences.jsonl': [seqLine(1, [10, 11, 12, 13, 14]), seqLine(2, [11, 12, 13]), seqLine(3, [10, 12])].join('\n'),
    'items.jsonl': [
      JSON.stringify({ item: 10, title: 'Alpha', genres: ['Drama'] }),
      JSON.stringify({ item: 11, title: 'Beta' }),
      JSON.stringify({ item: 12, title: 'Gamma', genres: [] }),
      JSON.stringify({ item: 13, title: 'Delta' }),
      JSON.stringify({ item: 14, title: 'Epsilon' }),
    ].join('\n'),
  });
}

test('sequences spec: options parsed and checked against the protocol', () => {
  assert.deepEqual(parseDatasetSpec('sequences:/d?protocol=leave-one-out&window=4&trainSample=5&sampleSeed=2'), {
    format: 'sequences',
    dir: '/d',
    protocol: 'leave-one-out',
    protocolParams: { window: 4 },
    trainSample: 5,
    sampleSeed: 2,
  });
  assert.throws(() => parseDatasetSpec('sequences:'), /needs a directory/);
  assert.throws(() => parseDatasetSpec('sequences:/d?protocol=random'), /unknown protocol 'random'/);
  assert.throws(() => parseDatasetSpec('sequences:/d?protocol=leave-one-out&train=0.5'), /does not apply/);
  assert.throws(() => parseDatasetSpec('sequences:/d?kcore=5'), /unknown option 'kcore'.*known: sequences/);
  assert.throws(() => parseDatasetSpec('sequences:/d?trainSample=-1'), /trainSample/);
});

test('sequences spec: leave-one-out by hand, titles from items.jsonl, a train sample', () => {
  const dir = fixture();
  const ds = loadDatasetFromSpec(`sequences:${dir}?protocol=leave-one-out&window=3`);
  const title = (i: number): string => ds.items[i].title;
  const rows = (xs: typeof ds.test) => xs.map((e) => `${e.user}:${e.history.map(title).join(',')}>${title(e.target)}`);
  // user 1: 10 11 12 | 13 valid | 14 test (train windows are full-length BEAR windows: 10 11 → 12 only);
  // user 2: 11 | 12 valid | 13 test (no train window); user 3 (2 items) dropped
  assert.deepEqual(rows(ds.train), ['1:Alpha,Beta>Gamma']);
  assert.deepEqual(rows(ds.valid), ['1:Beta,Gamma>Delta', '2:Beta>Gamma']);
  assert.deepEqual(rows(ds.test), ['1:Gamma,Delta>Epsilon', '2:Beta,Gamma>Delta']);
  assert.equal(ds.protocol.name, 'leave-one-out');
  assert.equal(ds.items.length, 5);
  assert.deepEqual(ds.items.find((it) => it.title === 'Alpha')?.genres, ['Drama']);
  const wide = loadDatasetFromSpec(`sequences:${dir}?protocol=bear-windows&window=2&train=0.5&valid=0.2`);
  assert.equal(wide.train.length + wide.valid.length + wide.test.length, 4 + 2 + 1);
  const sampled = loadDatasetFromSpec(`sequences:${dir}?protocol=bear-windows&window=2&train=0.5&trainSample=1`);
  assert.equal(sampled.train.length, 1);
  assert.equal(sampled.protocol.params.trainSample, 1);
  assert.ok(wide.train.some((e) => e.user === sampled.train[0].user && e.target === sampled.train[0].target));
  assert.notEqual(sampled.fingerprint, wide.fingerprint);
  // same spec, same data
  assert.equal(loadDatasetFromSpec(`sequences:${dir}?protocol=leave-one-out&window=3`).fingerprint, ds.fingerprint);
});

test('sequences spec: malformed files fail with file, line and field', () => {
  const bad = dirOf({ 'sequences.jsonl': seqLine(1, [1, 2, 3]) + '\n{"user": 2, "items": [1], "timestamps": []}\n' });
  throwsData(() => loadDatasetFromSpec(`sequences:${bad}`), 'sequences.jsonl', 2, 'timestamps');
  const noItems = dirOf({ 'sequences.jsonl': seqLine(1, [1, 2, 3]) + '\n' });
  assert.equal(loadDatasetFromSpec(`sequences:${noItems}?protocol=leave-one-out`).test.length, 1);
});
