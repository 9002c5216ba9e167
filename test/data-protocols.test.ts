import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DataError } from '../src/data/errors.js';
import { kcoreFilter, loadInteractions } from '../src/data/interactions.js';
import { applyProtocol, PROTOCOLS, slidingWindows } from '../src/data/protocols.js';
import { loadDataset } from '../src/data/index.js';
import type { Example, NextItemDataset } from '../src/data/types.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'genrec-proto-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
function file(name: string, text: string): string {
  const dir = path.join(tmpRoot, `f${n++}`);
  fs.mkdirSync(dir);
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('k-core', () => {
  // k = 2. Round 1: u4 (1 interaction), items c and d (1 each) → remove u3-c and u4-d.
  // Round 2: u3 now has 1 interaction → remove u3-a. Round 3: u1, u2, a, b all have 2 → stable.
  const rows = [
    ['u1', 'a'],
    ['u1', 'b'],
    ['u2', 'a'],
    ['u2', 'b'],
    ['u3', 'a'],
    ['u3', 'c'],
    ['u4', 'd'],
  ].map(([user, item]) => ({ user, item }));

  it('iterates until stable, with the hand-computed result and per-round counts', () => {
    const r = kcoreFilter(rows, 2);
    assert.deepEqual(
      r.rows.map((x) => x.user + x.item),
      ['u1a', 'u1b', 'u2a', 'u2b'],
    );
    assert.deepEqual(r.log, [
      '2-core round 1: 1 users and 2 items below 2; removed 2 interactions',
      '2-core round 2: 1 users and 0 items below 2; removed 1 interactions',
      '2-core stable after 2 removal rounds: 4 interactions, 2 users, 2 items',
    ]);
  });
  it('k = 3 empties this log; k = 1 and 0 keep everything; bad k fails', () => {
    assert.equal(kcoreFilter(rows, 3).rows.length, 0);
    assert.equal(kcoreFilter(rows, 1).rows.length, 7);
    assert.equal(kcoreFilter(rows, 0).rows.length, 7);
    assert.throws(() => kcoreFilter(rows, 2.5), DataError);
  });
});

describe('windowing', () => {
  const seq = { user: 'x', items: [0, 1, 2, 3, 4], timestamps: [10, 20, 30, 40, 50] };
  it('n > window: n − window + 1 full windows', () => {
    assert.deepEqual(
      slidingWindows(seq, 3).map((e) => [e.history, e.target, e.timestamp]),
      [
        [[0, 1], 2, 30],
        [[1, 2], 3, 40],
        [[2, 3], 4, 50],
      ],
    );
  });
  it('n ≤ window: one window of the whole sequence; n < 2: none', () => {
    assert.deepEqual(slidingWindows(seq, 11), [{ user: 'x', history: [0, 1, 2, 3], target: 4, timestamp: 50 }]);
    assert.deepEqual(slidingWindows(seq, 5).length, 1);
    assert.deepEqual(slidingWindows({ user: 'y', items: [7], timestamps: [1] }, 3), []);
  });
});

// Users (window 3):
//   A: a1..a6 at t=1..6 → windows with targets a3,a4,a5,a6 (t 3,4,5,6)
//   B: b1..b5 at t=10..50 → targets b3,b4,b5 (t 30,40,50)
//   C: c1,c2,c3 at t=2,7,8 → one window [c1,c2]→c3 (t 8)
//   D: d1,d2 at t=1,9 → one window [d1]→d2 (t 9)
//   E: e1 at t=5 → none
// Rows are shuffled in the file: order inside a user comes from timestamps.
const LOG = [
  'user,item,timestamp,rating',
  'B,b5,50,1',
  'A,a1,1,1',
  'C,c1,2,1',
  'A,a3,3,1',
  'A,a2,2,1',
  'B,b1,10,1',
  'D,d1,1,1',
  'A,a4,4,1',
  'E,e1,5,1',
  'A,a5,5,1',
  'C,c2,7,1',
  'A,a6,6,1',
  'C,c3,8,1',
  'D,d2,9,1',
  'B,b2,20,1',
  'B,b3,30,1',
  'B,b4,40,1',
].join('\n');

const triples = (ds: NextItemDataset, rows: Example[]) =>
  rows.map((e) => [e.user, e.history.map((i) => ds.items[i].rawId).join(' '), ds.items[e.target].rawId, e.timestamp]);

describe('interactions loader and protocols', () => {
  it('bear-windows: 9 windows sorted by target time, split 5/1/3 at 0.6/0.2', () => {
    const f = file('log.csv', LOG);
    const ds = loadInteractions({ file: f, kcore: 0, protocolParams: { window: 3, train: 0.6, valid: 0.2 } });
    assert.deepEqual(triples(ds, ds.train), [
      ['A', 'a1 a2', 'a3', 3],
      ['A', 'a2 a3', 'a4', 4],
      ['A', 'a3 a4', 'a5', 5],
      ['A', 'a4 a5', 'a6', 6],
      ['C', 'c1 c2', 'c3', 8],
    ]);
    assert.deepEqual(triples(ds, ds.valid), [['D', 'd1', 'd2', 9]]);
    assert.deepEqual(triples(ds, ds.test), [
      ['B', 'b1 b2', 'b3', 30],
      ['B', 'b2 b3', 'b4', 40],
      ['B', 'b3 b4', 'b5', 50],
    ]);
    assert.deepEqual(ds.protocol, {
      name: 'bear-windows',
      params: { window: 3, train: 0.6, valid: 0.2, split: 'chronological', kcore: 0 },
    });
    assert.equal(ds.items.length, 17);
    assert.ok(ds.log.includes('1 users with fewer than 2 interactions give no window'));
    assert.ok(ds.log.includes('9 windows: 5 train, 1 valid, 3 test (by target timestamp)'));
    assert.ok(ds.log.includes('17 item ids seen in the data have no title: titled "item <id>"'));
  });

  it('leave-one-out: last to test, second-to-last to valid, windows of the rest to train', () => {
    const f = file('log.csv', LOG);
    const ds = loadDataset({
      format: 'interactions',
      file: f,
      kcore: 0,
      protocol: 'leave-one-out',
      protocolParams: { window: 3 },
    });
    assert.deepEqual(triples(ds, ds.test), [
      ['B', 'b3 b4', 'b5', 50],
      ['A', 'a4 a5', 'a6', 6],
      ['C', 'c1 c2', 'c3', 8],
    ]);
    assert.deepEqual(triples(ds, ds.valid), [
      ['B', 'b2 b3', 'b4', 40],
      ['A', 'a3 a4', 'a5', 5],
      ['C', 'c1', 'c2', 7],
    ]);
    assert.deepEqual(triples(ds, ds.train), [
      ['B', 'b1 b2', 'b3', 30],
      ['A', 'a1 a2', 'a3', 3],
      ['A', 'a2 a3', 'a4', 4],
    ]);
    assert.ok(ds.log.includes('2 users with fewer than 3 interactions dropped (leave-one-out needs 3)'));
    assert.deepEqual(ds.protocol, { name: 'leave-one-out', params: { window: 3, kcore: 0 } });
  });

  it('k-core before windowing, titles from JSONL, JSONL log input', () => {
    const lines = [
      ...['a', 'b', 'c'].flatMap((u, k) =>
        ['x', 'y', 'z'].map((it, j) => ({ user: u, item: it, timestamp: 10 * j + k })),
      ),
      { user: 'd', item: 'x', timestamp: 100 },
      { user: 'd', item: 'w', timestamp: 101 },
    ];
    const f = file('log.jsonl', lines.map((o) => JSON.stringify(o)).join('\n') + '\n');
    const titles = file(
      'items.jsonl',
      '{"item": "x", "title": "Ex", "genres": ["g"]}\n{"item": "w", "title": "Dub"}\n',
    );
    const ds = loadInteractions({ file: f, titles, kcore: 3, protocol: 'leave-one-out' });
    // 3-core: item w (1) and then user d (1 left) go; users a, b, c with x, y, z remain
    assert.deepEqual(
      ds.items.map((i) => [i.rawId, i.title]),
      [
        ['x', 'Ex'],
        ['y', 'item y'],
        ['z', 'item z'],
      ],
    );
    assert.equal(ds.test.length, 3);
    assert.equal(ds.train.length, 0); // 1 item left before valid: no training window
    assert.ok(ds.log.includes('1 titled items absent after filtering: not in the catalogue'));
    assert.equal(ds.name, 'log');
  });

  it('fails loudly on malformed logs and unknown protocols', () => {
    const bad = file('log.jsonl', '{"user": 1, "item": 2, "timestamp": 3}\n{"user": 1, "item": 2}\n');
    assert.throws(
      () => loadInteractions({ file: bad }),
      (e: unknown) =>
        e instanceof DataError &&
        e.message === 'log.jsonl:2: field timestamp: expected a numeric timestamp, got undefined',
    );
    const badCsv = file('log.csv', 'user,item,time\n1,2,3\n');
    assert.throws(() => loadInteractions({ file: badCsv }), /log\.csv:1: field timestamp: missing column/);
    const badTs = file('log.csv', 'user,item,timestamp\n1,2,3\n1,3,x\n');
    assert.throws(() => loadInteractions({ file: badTs }), /log\.csv:3: field timestamp: expected a numeric timestamp/);
    const ok = file('log.csv', LOG);
    assert.throws(
      () => loadInteractions({ file: ok, kcore: 0, protocol: 'random' }),
      /field protocol: unknown protocol "random"/,
    );
    assert.throws(
      () => loadInteractions({ file: ok, kcore: 0, protocolParams: { windw: 3 } }),
      /protocolParams\.windw/,
    );
    assert.throws(() => loadInteractions({ file: ok, kcore: 20 }), /the 20-core is empty/);
    assert.throws(() => applyProtocol('bear-windows', [], { window: 1 }), /field window/);
  });

  it('registry lists both protocols with their defaults', () => {
    assert.deepEqual(Object.keys(PROTOCOLS), ['bear-windows', 'leave-one-out']);
    assert.deepEqual(PROTOCOLS['bear-windows'].defaults, { window: 11, train: 0.8, valid: 0.1 });
    assert.deepEqual(PROTOCOLS['leave-one-out'].defaults, { window: 11 });
  });
});
