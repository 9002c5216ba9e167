import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureDirs, throwsData } from './data-fixtures.js';
import { datasetStats, embeddedDir, loadDataset, loadSequences } from '../src/data/index.js';

const fixture = fixtureDirs('genrec-data-');

const TITLES = JSON.stringify({ '1': 'One', '2': 'Two', '9': 'Nine', '10': 'Ten', '3': 'Three' }, null, 4);
const HEADER = 'user_id,item_ids,timestamp\n';

describe('windows loader', () => {
  const goodTrain =
    HEADER +
    'u1,"[1, 2, 9]",100\n' +
    'u2,"[2, 10, 1, 2, 9, 10, 1, 2, 9, 10, 1, 3]",400\n' + // 11 history ids: truncated to 10
    'u1,"[9]",300\n' + // empty history: kept
    'u3,"[10, 7]",200\n'; // id 7 has no title
  const goodTest = 'user_id,mask,item_ids,item_titles,timestamp\nu1,"[0]","[2, 9, 3]","[\'a, b\', \'c\']",500\n';

  it('trainSample keeps a deterministic uniform sample of train rows in file order, before carving valid', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `u${i},"[1, 2, ${i % 2 ? 9 : 10}]",${1000 + i}\n`).join('');
    const dir = fixture({ 'id2name4Rec.json': TITLES, 'train.csv': HEADER + rows, 'test.csv': goodTest });
    const a = loadDataset({ format: 'windows', dir, trainSample: 10, validFraction: 0.2 });
    const b = loadDataset({ format: 'windows', dir, trainSample: 10, validFraction: 0.2 });
    const c = loadDataset({ format: 'windows', dir, trainSample: 10, sampleSeed: 1, validFraction: 0.2 });
    const users = (d: typeof a) => [...d.train, ...d.valid].map((e) => Number(e.user.slice(1)));
    assert.equal(users(a).length, 10);
    assert.equal(a.valid.length, 2, 'valid carved from the sample');
    assert.deepEqual(users(a), users(b), 'same seed, same sample');
    assert.notDeepEqual(users(a), users(c), 'another seed, another sample');
    assert.deepEqual(
      users(a),
      [...users(a)].sort((x, y) => x - y),
      'file (= timestamp) order kept',
    );
    assert.equal(new Set(users(a)).size, 10);
    assert.ok(a.log.some((l) => /random sample of 10 of 40 train.csv rows \(seed 0\)/.test(l)));
    assert.deepEqual(a.protocol.params.trainSample, 10);
    assert.equal(
      loadDataset({ format: 'windows', dir, trainSample: 100 }).train.length + 4,
      40,
      'larger than the file: all rows',
    );
    throwsData(
      () => loadDataset({ format: 'windows', dir, trainSample: -1 }),
      path.basename(dir),
      undefined,
      'trainSample',
    );
  });

  it('maps ids to dense indices in numeric order, carves valid from the end of train, logs repairs', () => {
    const dir = fixture({ 'id2name4Rec.json': TITLES, 'train.csv': goodTrain, 'test.csv': goodTest });
    const ds = loadDataset({ format: 'windows', dir, validFraction: 0.25 });
    // catalogue: union of titled (1,2,3,9,10) and seen (7) → 1,2,3,7,9,10
    assert.deepEqual(
      ds.items.map((i) => [i.index, i.rawId, i.title]),
      [
        [0, '1', 'One'],
        [1, '2', 'Two'],
        [2, '3', 'Three'],
        [3, '7', 'item 7'],
        [4, '9', 'Nine'],
        [5, '10', 'Ten'],
      ],
    );
    // floor(0.25 * 4) = 1 row (the latest, ts 400) moved to valid; train in timestamp order
    assert.deepEqual(
      ds.train.map((e) => [e.user, e.history, e.target, e.timestamp]),
      [
        ['u1', [0, 1], 4, 100],
        ['u3', [5], 3, 200],
        ['u1', [], 4, 300],
      ],
    );
    assert.deepEqual(ds.valid, [{ user: 'u2', history: [5, 0, 1, 4, 5, 0, 1, 4, 5, 0], target: 2, timestamp: 400 }]);
    assert.deepEqual(ds.test, [{ user: 'u1', history: [1, 4], target: 2, timestamp: 500 }]);
    assert.deepEqual(ds.log, [
      'no validation file: moved the latest 1 of 4 train.csv rows to valid',
      '1 item ids seen in the data have no title: titled "item <id>"',
      '1 rows had more than 10 history ids: kept the latest 10',
      '1 rows have an empty history: kept',
    ]);
    assert.equal(ds.protocol.name, 'bear-windows');
    assert.equal(ds.protocol.params.valid, 'carved: last 0.25 of train.csv by timestamp');
    assert.match(ds.fingerprint, /^[0-9a-f]{16}$/);
    const again = loadDataset({ format: 'windows', dir, validFraction: 0.25 });
    assert.equal(again.fingerprint, ds.fingerprint);
    const other = loadDataset({ format: 'windows', dir, validFraction: 0 });
    assert.notEqual(other.fingerprint, ds.fingerprint);
    assert.equal(other.valid.length, 0);
    assert.equal(other.train.length, 4);
  });

  it('uses valid.csv when present, and named train/test files', () => {
    const dir = fixture({
      'id2name4Rec.json': TITLES,
      'train_small.csv': HEADER + 'a,"[1, 2]",1\n',
      'valid.csv': HEADER + 'b,"[2, 3]",2\n',
      'test_small.csv': HEADER + 'c,"[3, 1]",3\n',
    });
    const ds = loadDataset({ format: 'windows', dir, trainFile: 'train_small.csv', testFile: 'test_small.csv' });
    assert.deepEqual([ds.train.length, ds.valid.length, ds.test.length, ds.items.length], [1, 1, 1, 5]);
    assert.equal(ds.protocol.params.valid, 'valid.csv');
    assert.deepEqual(ds.log, ['2 titled items never occur in the data: kept in the catalogue']);
    const s = datasetStats(ds);
    assert.equal(s.users, 3);
    assert.equal(s.testTargetSeenAsTrainTarget, 0); // test target 1 is not train's target (2)
    assert.equal(s.testTargetSeenInTrain, 1); // …but occurs in train's history
    assert.equal(s.train.meanHistoryLength, 1);
    throwsData(
      () =>
        loadDataset({
          format: 'windows',
          dir,
          trainFile: 'train_small.csv',
          testFile: 'test_small.csv',
          validFile: 'nope.csv',
        }),
      'nope.csv',
      undefined,
      undefined,
      /file not found/,
    );
  });

  const bad: [string, string, number | undefined, string | undefined, RegExp][] = [
    [HEADER + 'u,"[1, 2]",1\nu,"[1, 2",2\n', 'train.csv', 3, 'item_ids', /JSON list/],
    [HEADER + 'u,"[]",1\n', 'train.csv', 2, 'item_ids', /non-empty JSON list/],
    [HEADER + 'u,"[1, {""a"":1}]",1\n', 'train.csv', 2, 'item_ids', /element/],
    ['user_id,item_ids\nu,"[1, 2]"\n', 'train.csv', 1, 'timestamp', /missing column/],
    [HEADER + 'u,"[1, 2]",1\nu,"[1, 2]",yesterday\n', 'train.csv', 3, 'timestamp', /numeric timestamp/],
    [HEADER + 'u,"[1, 2]",\n', 'train.csv', 2, 'timestamp', /numeric timestamp/],
    [HEADER + ',"[1, 2]",5\n', 'train.csv', 2, 'user_id', /empty user/],
    ['', 'train.csv', 1, 'header', /empty file/],
    [HEADER, 'train.csv', undefined, undefined, /no data rows \(header only\)/],
  ];
  for (const [train, file, line, field, re] of bad) {
    it(`rejects malformed train.csv: ${re.source} (${field})`, () => {
      const dir = fixture({ 'id2name4Rec.json': TITLES, 'train.csv': train, 'test.csv': goodTest });
      throwsData(() => loadDataset({ format: 'windows', dir }), file, line, field, re);
    });
  }

  it('rejects a malformed title map, naming the line', () => {
    const dir = fixture({
      'id2name4Rec.json': '{\n  "1": "One",\n  "2": 2\n}',
      'train.csv': goodTrain,
      'test.csv': goodTest,
    });
    throwsData(() => loadDataset({ format: 'windows', dir }), 'id2name4Rec.json', 3, '2', /string title/);
    const dir2 = fixture({
      'id2name4Rec.json': '{\n  "1": "One",\n  "2" "x"\n}',
      'train.csv': goodTrain,
      'test.csv': goodTest,
    });
    throwsData(() => loadDataset({ format: 'windows', dir: dir2 }), 'id2name4Rec.json', 3, 'document', /invalid JSON/);
  });

  it('rejects a bad validFraction', () => {
    const dir = fixture({ 'id2name4Rec.json': TITLES, 'train.csv': goodTrain, 'test.csv': goodTest });
    assert.throws(() => loadDataset({ format: 'windows', dir, validFraction: 1 }), /validFraction/);
  });
});

describe('sequences loader (JSONL)', () => {
  const seqs =
    '{"user": 1, "items": [10, 11, 12, 13, 14, 15, 16], "timestamps": [1, 2, 3, 4, 5, 6, 7]}\n' +
    '\n' +
    '{"user": 2, "items": [12, 10, 11, 13, 14], "timestamps": [30, 10, 20, 40, 50]}\n';
  const items =
    '{"item": 10, "title": "Ten", "genres": ["Drama"]}\n{"item": 11, "title": "Eleven"}\n{"item": 99, "title": "Unused", "genres": []}\n';

  it('loads, validates, re-sorts out-of-order sequences and indexes items', () => {
    const dir = fixture({ 'sequences.jsonl': seqs, 'items.jsonl': items });
    const d = loadSequences({ sequences: path.join(dir, 'sequences.jsonl'), items: path.join(dir, 'items.jsonl') });
    assert.deepEqual(
      d.items.map((i) => [i.rawId, i.title, i.genres]),
      [
        ['10', 'Ten', ['Drama']],
        ['11', 'Eleven', undefined],
        ['12', 'item 12', undefined],
        ['13', 'item 13', undefined],
        ['14', 'item 14', undefined],
        ['15', 'item 15', undefined],
        ['16', 'item 16', undefined],
        ['99', 'Unused', []],
      ],
    );
    assert.deepEqual(d.sequences[1], { user: '2', items: [0, 1, 2, 3, 4], timestamps: [10, 20, 30, 40, 50] });
    assert.equal(d.log[0], '1 sequences were not in time order: sorted by timestamp (stable)');
  });

  const badSeqs: [string, number, string, RegExp][] = [
    ['{"user": 1, "items": [1, 2], "timestamps": [1]}\n', 1, 'timestamps', /1 entries but items has 2/],
    [
      '{"user": 1, "items": [1], "timestamps": [1]}\n{"user": 2, "items": 5, "timestamps": [1]}\n',
      2,
      'items',
      /JSON list/,
    ],
    [
      '{"user": 1, "items": [1], "timestamps": [1]}\n\n{"user": 2, "items": [1], "timestamps": ["x"]}\n',
      3,
      'timestamps',
      /numbers/,
    ],
    [
      '{"user": 1, "items": [1], "timestamps": [1]}\n{"user": 1, "items": [1], "timestamps": [1]}\n',
      2,
      'user',
      /duplicate/,
    ],
    ['{"user": 1, "items": [1], "timestamps": [1]\n', 1, 'line', /invalid JSON/],
    ['{"items": [1], "timestamps": [1]}\n', 1, 'user', /id/],
    ['', 1, 'line', /empty file/],
  ];
  for (const [text, line, field, re] of badSeqs) {
    it(`rejects malformed sequences.jsonl: ${field} ${re.source}`, () => {
      const dir = fixture({ 'sequences.jsonl': text });
      throwsData(
        () => loadSequences({ sequences: path.join(dir, 'sequences.jsonl') }),
        'sequences.jsonl',
        line,
        field,
        re,
      );
    });
  }
  it('rejects malformed items.jsonl', () => {
    const dir = fixture({
      'sequences.jsonl': seqs,
      'items.jsonl': '{"item": 1, "title": "a"}\n{"item": 2, "title": "b", "genres": "Drama"}\n',
    });
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'sequences.jsonl'), items: path.join(dir, 'items.jsonl') }),
      'items.jsonl',
      2,
      'genres',
      /list of strings/,
    );
  });
});

describe('embedded office-mini', () => {
  it('loads from the package root with the numbers its README documents', () => {
    const dir = embeddedDir('office-mini');
    let bytes = 0;
    for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
    assert.ok(bytes < 1.5e6, `office-mini is ${bytes} bytes`);
    const ds = loadDataset({ format: 'embedded' });
    assert.equal(ds.name, 'office-mini');
    const s = datasetStats(ds);
    assert.deepEqual(
      [s.users, s.items, s.train.rows, s.valid.rows, s.test.rows, s.train.users, s.valid.users, s.test.users],
      [1288, 1500, 4863, 540, 703, 977, 345, 416],
    );
    assert.equal(s.testTargetSeenAsTrainTarget.toFixed(3), '0.119');
    assert.equal(s.testTargetSeenInTrain.toFixed(3), '0.149');
    assert.equal(s.train.meanHistoryLength.toFixed(2), '9.57');
    assert.deepEqual(ds.log, []); // every item titled, no repairs
    assert.ok(ds.items.every((i) => !i.title.startsWith('item ')));
    assert.equal(ds.protocol.params.valid, 'valid.csv');
    assert.throws(() => loadDataset({ format: 'embedded', name: 'nope' as 'office-mini' }), /unknown embedded/);
  });
});

const shared = path.resolve(process.env.GENREC_SHARED_DATA ?? path.resolve(process.cwd(), '../shared/data'));
const hasOffice = fs.existsSync(path.join(shared, 'amazon-office', 'train.csv'));
const hasToy = fs.existsSync(path.join(shared, 'amazon-toy', 'train.csv'));
const hasMl = fs.existsSync(path.join(shared, 'movielens-1m', 'sequences.jsonl'));

describe('reference data (skipped when ../shared/data is absent)', () => {
  it(
    'amazon-office: 15,400 train+valid / 1,925 test rows, 2,414 items, 48.8% test targets seen',
    { skip: !hasOffice },
    () => {
      const dir = path.join(shared, 'amazon-office');
      const all = loadDataset({ format: 'windows', dir, validFraction: 0 });
      const s = datasetStats(all);
      assert.deepEqual([s.train.rows, s.valid.rows, s.test.rows, s.items], [15400, 0, 1925, 2414]);
      assert.equal(s.testTargetSeenAsTrainTarget.toFixed(3), '0.488');
      assert.equal(s.testTargetSeenInTrain.toFixed(3), '0.535');
      const carved = loadDataset({ format: 'windows', dir });
      assert.deepEqual([carved.train.length, carved.valid.length, carved.test.length], [13860, 1540, 1925]);
      assert.ok(carved.train[carved.train.length - 1].timestamp <= carved.valid[0].timestamp);
      const sampled = loadDataset({
        format: 'windows',
        dir,
        trainFile: 'train_10000.csv',
        testFile: 'test_5000.csv',
        validFraction: 0,
      });
      assert.deepEqual([sampled.train.length, sampled.test.length], [10000, 1925]);
    },
  );
  it('amazon-toy: published valid split and extra test columns', { skip: !hasToy }, () => {
    const ds = loadDataset({ format: 'windows', dir: path.join(shared, 'amazon-toy') });
    const s = datasetStats(ds);
    assert.deepEqual([s.train.rows, s.valid.rows, s.test.rows, s.items], [38344, 4793, 4794, 11758]);
    assert.equal(s.testTargetSeenAsTrainTarget.toFixed(3), '0.657');
  });
  it('movielens-1m: 6,040 users, 3,416 items, 38 without genres', { skip: !hasMl }, () => {
    const dir = path.join(shared, 'movielens-1m');
    const d = loadSequences({ sequences: path.join(dir, 'sequences.jsonl'), items: path.join(dir, 'items.jsonl') });
    assert.equal(d.sequences.length, 6040);
    assert.equal(d.items.length, 3416);
    assert.equal(d.items.filter((i) => i.genres === undefined).length, 38);
    assert.equal(
      d.sequences.reduce((a, s) => a + s.items.length, 0),
      999611,
    );
  });
});
