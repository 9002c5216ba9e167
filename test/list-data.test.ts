// The list task's data (src/data/lists.ts): windows worked out by hand, the chronological split by the first target's
// time, genres present / missing / dropped, malformed files, too-short data, bad options and the data-set specs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DataError,
  listDataset,
  listWindows,
  loadListInteractions,
  loadListSequences,
  type SequenceData,
  type UserSequence,
} from '../src/data/index.js';
import {
  loadDatasetFromSpec,
  loadListDatasetFromSpec,
  parseDatasetSpec,
  parseListDatasetSpec,
} from '../src/pipeline/dataset.js';
import { fixtureDirs, throwsData } from './data-fixtures.js';

const dirOf = fixtureDirs('genrec-list-');

/** A user whose items are the indices `items` with timestamps 1000 + 10·position (unless given). */
const seq = (user: string, items: number[], timestamps = items.map((_, i) => 1000 + 10 * i)): UserSequence => ({
  user,
  items,
  timestamps,
});
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

const seqLine = (user: number | string, items: (number | string)[], timestamps?: number[]): string =>
  JSON.stringify({ user, items, timestamps: timestamps ?? items.map((_, i) => 1000 + 10 * i) });

describe('list windows', () => {
  it('defaults: history 10, targets 10, stride 10, cut points aligned to the end of the sequence', () => {
    // 25 items: cut points p = 25 − 10 = 15, then 5 < minLength − K = 10 stops. One window.
    const s = seq('u', range(100, 125));
    assert.deepEqual(listWindows(s), [
      { user: 'u', history: range(105, 115), targets: range(115, 125), timestamp: 1000 + 10 * 15 },
    ]);
    // exactly 20 items: one window, the whole sequence; 19 items: none (dropped)
    assert.deepEqual(
      listWindows(seq('v', range(0, 20))).map((w) => [w.history, w.targets]),
      [[range(0, 10), range(10, 20)]],
    );
    assert.deepEqual(listWindows(seq('w', range(0, 19))), []);
    // 30 items: p = 20 and p = 10, oldest first, target lists tile the last 20 items
    assert.deepEqual(
      listWindows(seq('x', range(0, 30))).map((w) => [w.history, w.targets, w.timestamp]),
      [
        [range(0, 10), range(10, 20), 1100],
        [range(10, 20), range(20, 30), 1200],
      ],
    );
  });

  it('stride, history, targets and minLength by hand (H 3, K 2, 8 items)', () => {
    const s = seq('u', [10, 11, 12, 13, 14, 15, 16, 17]);
    // stride defaults to K = 2: p = 6, 4 (p ≥ minLength − K = 3)
    assert.deepEqual(
      listWindows(s, { history: 3, targets: 2 }).map((w) => [w.history, w.targets, w.timestamp]),
      [
        [[11, 12, 13], [14, 15], 1040],
        [[13, 14, 15], [16, 17], 1060],
      ],
    );
    // stride 1: p = 6, 5, 4, 3
    assert.deepEqual(
      listWindows(s, { history: 3, targets: 2, stride: 1 }).map((w) => [w.history, w.targets]),
      [
        [
          [10, 11, 12],
          [13, 14],
        ],
        [
          [11, 12, 13],
          [14, 15],
        ],
        [
          [12, 13, 14],
          [15, 16],
        ],
        [
          [13, 14, 15],
          [16, 17],
        ],
      ],
    );
    // stride 3: p = 6, 3
    assert.deepEqual(
      listWindows(s, { history: 3, targets: 2, stride: 3 }).map((w) => w.targets),
      [
        [13, 14],
        [16, 17],
      ],
    );
    // minLength 3 (< H + K): histories may be shorter, down to minLength − K = 1 item: p = 6, 4, 2
    assert.deepEqual(
      listWindows(s, { history: 3, targets: 2, minLength: 3 }).map((w) => [w.history, w.targets]),
      [
        [
          [10, 11],
          [12, 13],
        ],
        [
          [11, 12, 13],
          [14, 15],
        ],
        [
          [13, 14, 15],
          [16, 17],
        ],
      ],
    );
    // minLength 9 (> n = 8): the user is dropped
    assert.deepEqual(listWindows(s, { history: 3, targets: 2, minLength: 9 }), []);
  });

  it('bad option values fail naming the option', () => {
    const s = seq('u', range(0, 30));
    const bad: [object, string, RegExp][] = [
      [{ history: 0 }, 'history', /integer ≥ 1, got 0/],
      [{ history: 2.5 }, 'history', /integer/],
      [{ targets: -1 }, 'targets', /integer ≥ 1/],
      [{ stride: 0 }, 'stride', /integer ≥ 1, got 0/],
      [{ targets: 10, minLength: 10 }, 'minLength', /≥ targets \+ 1 = 11/],
      [{ train: 0 }, 'train', /fraction in \(0, 1\)/],
      [{ train: 1 }, 'train', /fraction/],
      [{ valid: -0.1 }, 'valid', /fraction in \[0, 1\)/],
      [{ train: 0.6, valid: 0.4 }, 'valid', /train \+ valid must be < 1/],
      [{ genres: 'no' }, 'genres', /true or false/],
    ];
    for (const [opts, field, re] of bad)
      throwsData(() => listWindows(s, opts as never), '(list options)', undefined, field, re);
  });
});

describe('list split (chronological by the first target time)', () => {
  // H 1, K 2, minLength 3: each 3-item user gives one window, history [item 0], targets [items 1, 2],
  // timestamp = ts[1]. By first-target time: u1 10, u2 20, u4 40, u3 40 (a tie: file order), u5 60.
  // By last-target time the order would be u2 30, u3 41, u4 50, u5 61, u1 100.
  const data: SequenceData = {
    name: 'split',
    items: range(0, 15).map((index) => ({ index, rawId: String(index), title: `t${index}` })),
    sequences: [
      seq('u1', [0, 1, 2], [0, 10, 100]),
      seq('u2', [3, 4, 5], [0, 20, 30]),
      seq('u4', [6, 7, 8], [0, 40, 50]),
      seq('u3', [9, 10, 11], [0, 40, 41]),
      seq('u5', [12, 13, 14], [0, 60, 61]),
    ],
    log: [],
  };
  const opts = { history: 1, targets: 2, minLength: 3 };

  it('sorts all windows by their first target time (stable) and cuts by fractions', () => {
    const ds = listDataset(data, { ...opts, train: 0.6, valid: 0.2 }, 'split.jsonl');
    // floor(0.6·5) = 3 train, floor(0.2·5) = 1 valid, 1 test
    assert.deepEqual(
      [ds.train, ds.valid, ds.test].map((s) => s.map((e) => e.user)),
      [['u1', 'u2', 'u4'], ['u3'], ['u5']],
    );
    assert.deepEqual(ds.train[0], { user: 'u1', history: [0], targets: [1, 2], timestamp: 10 });
    assert.deepEqual(ds.protocol, {
      name: 'list-windows',
      params: {
        history: 1,
        targets: 2,
        stride: 2,
        minLength: 3,
        train: 0.6,
        valid: 0.2,
        split: 'chronological-first-target',
      },
    });
    assert.equal(ds.hasGenres, false);
    assert.match(
      ds.log.join('\n'),
      /5 list windows \(history 1, targets 2, stride 2\) from 5 users: 3 train, 1 valid, 1 test/,
    );
  });

  it('defaults 0.8 / 0.1 / rest over windows of several users; valid may be empty only with valid = 0', () => {
    // 10 users × one window each: 8 train, 1 valid, 1 test, ordered by first target time (user i at 100 − i)
    const ten: SequenceData = {
      ...data,
      sequences: range(0, 10).map((i) => seq(`v${i}`, [0, 1, 2], [0, 100 - i, 200])),
    };
    const ds = listDataset(ten, opts, 'ten.jsonl');
    assert.deepEqual(
      [ds.train.length, ds.valid.length, ds.test.length, ds.test[0].user, ds.valid[0].user],
      [8, 1, 1, 'v0', 'v1'],
    );
    // 2 windows: floor(0.2) = 0 valid → too few for the split, naming the file and the requirement
    const two: SequenceData = { ...data, sequences: data.sequences.slice(0, 2) };
    throwsData(
      () => listDataset(two, opts, '/some/where/two.jsonl'),
      'two.jsonl',
      undefined,
      undefined,
      /list task: 2 windows .* give 1 train, 0 valid, 1 test: every split needs at least one window/,
    );
    const noValid = listDataset(two, { ...opts, train: 0.5, valid: 0 }, 'two.jsonl');
    assert.deepEqual([noValid.train.length, noValid.valid.length, noValid.test.length], [1, 0, 1]);
  });

  it('fingerprint: same data same print; any change of windows or split changes it', () => {
    const a = listDataset(data, { ...opts, train: 0.6, valid: 0.2 }, 'x');
    assert.equal(listDataset(data, { ...opts, train: 0.6, valid: 0.2 }, 'y').fingerprint, a.fingerprint);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.notEqual(listDataset(data, { ...opts, train: 0.4, valid: 0.2 }, 'x').fingerprint, a.fingerprint);
    assert.notEqual(listDataset(data, { ...opts, train: 0.6, valid: 0.2, targets: 1 }, 'x').fingerprint, a.fingerprint);
  });
});

describe('list loaders over files', () => {
  const items = [
    JSON.stringify({ item: 100, title: 'Alpha', genres: ['Drama', 'War'] }),
    JSON.stringify({ item: 101, title: 'Beta' }),
    JSON.stringify({ item: 102, title: 'Gamma', genres: [] }),
  ].join('\n');
  // five users of 20 items 100..119 at different times: 5 windows, 3 / 1 / 1 with train 0.6, valid 0.2
  const seqs = range(1, 6)
    .map((u) =>
      seqLine(
        u,
        range(100, 120),
        range(0, 20).map((i) => 1000 * u + i),
      ),
    )
    .join('\n');

  it('sequences directory: windows, splits, items with and without genres', () => {
    const dir = dirOf({ 'sequences.jsonl': seqs, 'items.jsonl': items });
    const ds = loadListSequences({ dir, train: 0.6, valid: 0.2 });
    assert.deepEqual([ds.train.length, ds.valid.length, ds.test.length], [3, 1, 1]);
    assert.deepEqual(ds.test[0], { user: '5', history: range(0, 10), targets: range(10, 20), timestamp: 5010 });
    assert.equal(ds.hasGenres, true);
    assert.deepEqual(
      ds.items.slice(0, 4).map((i) => [i.rawId, i.title, i.genres]),
      [
        ['100', 'Alpha', ['Drama', 'War']],
        ['101', 'Beta', undefined],
        ['102', 'Gamma', []],
        ['103', 'item 103', undefined],
      ],
    );
    assert.ok(ds.log.includes('2 of 20 items have genres'), ds.log.join('\n'));
    // the spec gives the same data set
    const viaSpec = loadListDatasetFromSpec(`sequences:${dir}?task=list&train=0.6&valid=0.2`);
    assert.equal(viaSpec.fingerprint, ds.fingerprint);
    assert.equal(viaSpec.name, ds.name);
  });

  it('genres unavailable: an items file without genres, no items file, or genres=false', () => {
    const noGenres = dirOf({
      'sequences.jsonl': seqs,
      'items.jsonl': items.replace(/, ?"genres":\[[^\]]*\]/g, ''),
    });
    const a = loadListSequences({ dir: noGenres, train: 0.6, valid: 0.2 });
    assert.equal(a.hasGenres, false);
    assert.equal(a.items[0].title, 'Alpha');
    assert.ok(a.log.includes('no item has genres'), a.log.join('\n'));
    const b = loadListSequences({ dir: dirOf({ 'sequences.jsonl': seqs }), train: 0.6, valid: 0.2 });
    assert.equal(b.hasGenres, false);
    assert.equal(b.items[0].title, 'item 100');
    const dir = dirOf({ 'sequences.jsonl': seqs, 'items.jsonl': items });
    const dropped = loadListDatasetFromSpec(`sequences:${dir}?task=list&train=0.6&valid=0.2&genres=false`);
    assert.equal(dropped.hasGenres, false);
    assert.ok(dropped.items.every((i) => !('genres' in i)));
    assert.equal(dropped.protocol.params.genres, false);
    assert.equal(dropped.fingerprint, a.fingerprint, 'dropping genres = an items file without them');
    const kept = loadListDatasetFromSpec(`sequences:${dir}?task=list&train=0.6&valid=0.2&genres=true`);
    assert.notEqual(kept.fingerprint, dropped.fingerprint);
  });

  it('no user long enough: fails naming the file and the requirement', () => {
    const short = dirOf({ 'sequences.jsonl': [seqLine(1, range(1, 8)), seqLine(2, range(1, 16))].join('\n') });
    throwsData(
      () => loadListDatasetFromSpec(`sequences:${short}?task=list`),
      'sequences.jsonl',
      undefined,
      undefined,
      /no user has the minLength 20 = history 10 \+ targets 10 interactions .*longest of the 2 sequences has 15/,
    );
    throwsData(
      () => loadListDatasetFromSpec(`sequences:${short}?task=list&history=10&targets=3&minLength=16`),
      'sequences.jsonl',
      undefined,
      undefined,
      /no user has the minLength 16 interactions/,
    );
    // default fractions need at least 10 windows for a non-empty valid split: 5 windows fail
    const dir = dirOf({ 'sequences.jsonl': seqs });
    throwsData(
      () => loadListDatasetFromSpec(`sequences:${dir}?task=list`),
      'sequences.jsonl',
      undefined,
      undefined,
      /5 windows \(minLength 20 = history 10 \+ targets 10, stride 10\) from 5 users split 0.8 \/ 0.1 \/ rest give 4 train, 0 valid, 1 test/,
    );
  });

  it('malformed files fail with file, line and field', () => {
    const badSeq = dirOf({
      'sequences.jsonl': seqLine(1, range(0, 20)) + '\n{"user": 2, "items": [1, 2], "timestamps": [1]}\n',
    });
    throwsData(() => loadListDatasetFromSpec(`sequences:${badSeq}?task=list`), 'sequences.jsonl', 2, 'timestamps');
    const badItems = dirOf({
      'sequences.jsonl': seqs,
      'items.jsonl': '{"item": 100, "title": "A"}\n{"item": 101, "title": "B", "genres": "Drama"}\n',
    });
    throwsData(() => loadListSequences({ dir: badItems }), 'items.jsonl', 2, 'genres', /list of strings/);
    const noTitle = dirOf({ 'sequences.jsonl': seqs, 'items.jsonl': '{"item": 100}\n' });
    throwsData(() => loadListSequences({ dir: noTitle }), 'items.jsonl', 1, 'title');
    const badUser = dirOf({ 'sequences.jsonl': seqs + '\n' + seqLine(3, [1]) });
    throwsData(() => loadListSequences({ dir: badUser }), 'sequences.jsonl', 6, 'user', /duplicate user 3/);
    const log = dirOf({ 'log.csv': 'user,item,timestamp\n1,5,10\n1,6,x1\n' });
    throwsData(() => loadListDatasetFromSpec(`interactions:${log}/log.csv?task=list`), 'log.csv', 3, 'timestamp');
  });

  it('interaction log: k-core first, then the same windows and split; kcore recorded', () => {
    const rows = ['user,item,timestamp'];
    for (let u = 1; u <= 5; u++) for (let i = 0; i < 20; i++) rows.push(`${u},${100 + i},${1000 * u + i}`);
    rows.push('9,999,1'); // a user and an item with one interaction: gone from the 5-core
    const dir = dirOf({ 'log.csv': rows.join('\n') + '\n', 'items.jsonl': items });
    const ds = loadListInteractions({ file: `${dir}/log.csv`, titles: `${dir}/items.jsonl`, train: 0.6, valid: 0.2 });
    assert.deepEqual([ds.train.length, ds.valid.length, ds.test.length, ds.items.length], [3, 1, 1, 20]);
    assert.equal(ds.protocol.params.kcore, 5);
    assert.equal(ds.hasGenres, true);
    assert.deepEqual(ds.test[0].targets, range(10, 20));
    const viaSpec = loadListDatasetFromSpec(
      `interactions:${dir}/log.csv?task=list&titles=items.jsonl&train=0.6&valid=0.2`,
    );
    assert.equal(viaSpec.fingerprint, ds.fingerprint);
    // kcore 0 keeps user 9 and item 999; user 9 is too short and dropped, item 999 stays in the catalogue
    const all = loadListInteractions({ file: `${dir}/log.csv`, kcore: 0, train: 0.6, valid: 0.2 });
    assert.equal(all.items.length, 21);
    assert.equal(all.protocol.params.kcore, 0);
    assert.ok(all.log.includes('1 of 6 users have fewer than 20 interactions: dropped'), all.log.join('\n'));
  });
});

describe('list data-set specs', () => {
  it('parses sequences, interactions and embedded list specs', () => {
    assert.deepEqual(
      parseListDatasetSpec('sequences:/d?task=list&history=5&targets=3&stride=1&minLength=8&train=0.7&valid=0.15'),
      {
        format: 'sequences',
        dir: '/d',
        history: 5,
        targets: 3,
        stride: 1,
        minLength: 8,
        train: 0.7,
        valid: 0.15,
      },
    );
    assert.deepEqual(parseListDatasetSpec('sequences:/d?items=i2.jsonl&sequences=s.jsonl&genres=false'), {
      format: 'sequences',
      dir: '/d',
      itemsFile: 'i2.jsonl',
      sequencesFile: 's.jsonl',
      genres: false,
    });
    assert.deepEqual(parseListDatasetSpec('interactions:data/log.csv?task=list&titles=items.jsonl&kcore=0'), {
      format: 'interactions',
      file: 'data/log.csv',
      titles: 'data/items.jsonl',
      kcore: 0,
    });
    assert.deepEqual(parseListDatasetSpec('embedded:genre-drift?task=list&stride=5'), {
      format: 'embedded',
      name: 'genre-drift',
      stride: 5,
    });
    assert.deepEqual(parseListDatasetSpec('embedded:'), { format: 'embedded', name: 'genre-drift' });
    // task=next-item may be written on next-item specs
    assert.deepEqual(parseDatasetSpec('sequences:/d?task=next-item&window=4'), {
      format: 'sequences',
      dir: '/d',
      protocolParams: { window: 4 },
    });
    assert.deepEqual(parseDatasetSpec('embedded:genre-drift'), { format: 'embedded', name: 'genre-drift' });
  });

  it('rejects bad values and wrong tasks, naming the option', () => {
    const bad: [string, RegExp][] = [
      ['sequences:/d?task=list&stride=0', /'stride' in .* must be an integer ≥ 1, got '0'/],
      ['sequences:/d?task=list&history=ten', /'history'.*integer/],
      ['sequences:/d?task=list&targets=', /'targets=' .*needs a value/],
      ['sequences:/d?task=list&minLength=1', /'minLength'.*≥ 2/],
      ['sequences:/d?task=list&train=1.2', /'train'.*fraction/],
      ['sequences:/d?task=list&genres=maybe', /'genres' .*true or false, got 'maybe'/],
      [
        'sequences:/d?task=list&protocol=leave-one-out',
        /unknown option 'protocol' .*for the list task \(known: sequences, items, history/,
      ],
      ['sequences:/d?task=list&kcore=3', /unknown option 'kcore'/],
      ['interactions:l.csv?task=list&items=x', /unknown option 'items' .*known: titles, kcore, history/],
      ['embedded:genre-drift?task=list&items=x', /unknown option 'items'/],
      ['sequences:/d?task=lists', /unknown task 'lists'.*known: next-item, list/],
      ['sequences:/d?task=next-item', /task=next-item: the list task cannot use it/],
      ['sequences:?task=list', /needs a directory/],
      ['windows:/d?task=list', /fixed next-item windows: the list task needs whole user sequences/],
      ['embedded:movies?task=list', /unknown embedded data set 'movies'.*known: office-mini, genre-drift/],
      ['lists:/d', /unknown spec 'lists:\/d' for the list task/],
    ];
    for (const [spec, re] of bad) assert.throws(() => parseListDatasetSpec(spec), re, spec);
    assert.throws(
      () => parseDatasetSpec('sequences:/d?task=list&history=5'),
      /is a list-task data set .*loadListDatasetFromSpec/,
    );
    assert.throws(() => parseDatasetSpec('sequences:/d?history=5'), /unknown option 'history'/);
    assert.throws(() => parseDatasetSpec('embedded:genre-drift?stride=5'), /takes no options but task/);
    assert.throws(() => loadDatasetFromSpec('interactions:l.csv?task=list'), /list-task data set/);
    assert.throws(
      () => loadListDatasetFromSpec('embedded:office-mini?task=list'),
      (e: unknown) =>
        e instanceof DataError &&
        /office-mini holds next-item windows, not user sequences.*use genre-drift/.test(e.message),
    );
  });
});
