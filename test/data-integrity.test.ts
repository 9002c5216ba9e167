// Regression tests for silent corruption of input (reliability issue items 5 and 6): every case must fail at
// load time with a DataError naming the file, the line and the field — or, for ids that only look alike, load
// exactly.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureDirs, throwsData } from './data-fixtures.js';
import { loadDataset, loadSequences, loadInteractions } from '../src/data/index.js';

const fixture = fixtureDirs('genrec-integrity-');

const HEADER = 'user_id,item_ids,timestamp\n';
const TITLES = '{"1": "One", "2": "Two", "3": "Three"}';
const TRAIN = HEADER + 'u1,"[1, 2]",10\nu2,"[2, 3]",20\n';
const TEST = HEADER + 'u3,"[1, 3]",30\n';
const windows = (files: Record<string, string | Buffer>) => {
  const dir = fixture({ 'id2name4Rec.json': TITLES, 'train.csv': TRAIN, 'test.csv': TEST, ...files });
  return () => loadDataset({ format: 'windows', dir, validFraction: 0 });
};

describe('invalid UTF-8 fails naming the line (never U+FFFD)', () => {
  it('in a window CSV user id', () => {
    // "caf\xe9" (Latin-1 é) and "caf\xef\xbf\xbd" would both have become "caf\ufffd": two users merged
    const bytes = Buffer.concat([
      Buffer.from(HEADER + 'u1,"[1, 2]",10\ncaf'),
      Buffer.from([0xe9]),
      Buffer.from(',"[2, 3]",20\n'),
    ]);
    throwsData(windows({ 'train.csv': bytes }), 'train.csv', 3, 'encoding', /invalid UTF-8 at byte offset 45/);
  });
  it('in a title map', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"1": "One",\n "2": "T'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('",\n "3": "x"}'),
    ]);
    throwsData(windows({ 'id2name4Rec.json': bytes }), 'id2name4Rec.json', 2, 'encoding', /invalid UTF-8/);
  });
  it('in a JSONL sequence file, and a sequence cut off at the end of the file', () => {
    const good = '{"user": 1, "items": [1], "timestamps": [1]}\n';
    const dir = fixture({
      'a.jsonl': Buffer.concat([
        Buffer.from(good + '{"user": "'),
        Buffer.from([0xff]),
        Buffer.from('", "items": [1], "timestamps": [1]}\n'),
      ]),
      'b.jsonl': Buffer.concat([
        Buffer.from(good + '{"user": 2, "items": [1], "timestamps": [1]}\n"'),
        Buffer.from([0xe2, 0x82]),
      ]),
    });
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'a.jsonl') }),
      'a.jsonl',
      2,
      'encoding',
      /byte offset 55/,
    );
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'b.jsonl') }),
      'b.jsonl',
      3,
      'encoding',
      /invalid UTF-8/,
    );
  });
});

describe('ids above 2^53 are never rounded', () => {
  it('window CSV item ids stay exact strings (no merge)', () => {
    const ds = windows({
      'id2name4Rec.json': '{"12345678901234567890": "A", "12345678901234567891": "B"}',
      'train.csv': HEADER + 'u1,"[12345678901234567890, 12345678901234567891]",10\n',
      'test.csv': HEADER + 'u2,"[12345678901234567891, 12345678901234567890]",30\n',
    })();
    assert.deepEqual(
      ds.items.map((i) => [i.rawId, i.title]),
      [
        ['12345678901234567890', 'A'],
        ['12345678901234567891', 'B'],
      ],
    );
    assert.deepEqual([ds.train[0].history, ds.train[0].target], [[0], 1]);
  });
  it('window CSV list elements must be integers or strings: floats, exponents, hex fail', () => {
    for (const el of ['1.5', '1e3', '0x10', 'Infinity', '1.0']) {
      throwsData(windows({ 'train.csv': HEADER + `u1,"[1, ${el}]",10\n` }), 'train.csv', 2, 'item_ids', /element/);
    }
  });
  it('a JSONL number id that is not a safe integer fails; the same id as a string is kept exactly', () => {
    const dir = fixture({
      'big.jsonl':
        '{"user": 1, "items": [1], "timestamps": [1]}\n{"user": 2, "items": [12345678901234567890, 12345678901234567891], "timestamps": [1, 2]}\n',
      'str.jsonl': '{"user": 1, "items": ["12345678901234567890", "12345678901234567891"], "timestamps": [1, 2]}\n',
      'log.jsonl': '{"user": 12345678901234567890, "item": 1, "timestamp": 1}\n',
    });
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'big.jsonl') }),
      'big.jsonl',
      2,
      'items',
      /got 12345678901234567890 \(not a safe integer/,
    );
    const ok = loadSequences({ sequences: path.join(dir, 'str.jsonl') });
    assert.deepEqual(
      ok.items.map((i) => i.rawId),
      ['12345678901234567890', '12345678901234567891'],
    );
    throwsData(
      () => loadInteractions({ file: path.join(dir, 'log.jsonl'), kcore: 0 }),
      'log.jsonl',
      1,
      'user',
      /safe integer/,
    );
  });
  it('1e400 is reported as written, not as "null"', () => {
    const dir = fixture({
      'ids.jsonl': '{"user": 1, "items": [1, 1e400], "timestamps": [1, 2]}\n',
      'ts.jsonl': '{"user": 1, "items": [1, 2], "timestamps": [1, -1e400]}\n',
    });
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'ids.jsonl') }),
      'ids.jsonl',
      1,
      'items',
      /got 1e400 \(not a finite number\)/,
    );
    throwsData(
      () => loadSequences({ sequences: path.join(dir, 'ts.jsonl') }),
      'ts.jsonl',
      1,
      'timestamps',
      /-1e400 \(not a finite number\)/,
    );
  });
});

describe('duplicates fail instead of keeping one silently', () => {
  it('a key given twice in id2name4Rec.json (also through escapes) names the key and its line', () => {
    throwsData(
      windows({ 'id2name4Rec.json': '{\n "1": "One",\n "2": "Two",\n "\\u0031": "Uno"\n}' }),
      'id2name4Rec.json',
      4,
      '1',
      /duplicate key \(first at line 2\)/,
    );
    // escaped quotes and braces inside values and keys do not confuse the key scanner
    const ok = windows({ 'id2name4Rec.json': '{"1": "a \\"}\\" {", "2": "[b", "3": "\\\\", "x\\"y": "z"}' })();
    assert.deepEqual(
      ok.items.map((i) => i.title),
      ['a "}" {', '[b', '\\', 'z'],
    );
  });
  it('a duplicated header column names the column', () => {
    throwsData(
      windows({ 'train.csv': 'user_id,item_ids,timestamp,item_ids\nu1,"[1, 2]",10,"[3]"\n' }),
      'train.csv',
      1,
      'item_ids',
      /duplicate column/,
    );
  });
});

describe('strict numbers', () => {
  for (const ts of ['0x10', ' 12 ', 'Infinity', '-Infinity', 'NaN', '1_000', '+5', '1e400']) {
    it(`timestamp ${JSON.stringify(ts)} fails`, () => {
      throwsData(
        windows({ 'train.csv': HEADER + `u1,"[1, 2]",${ts}\n` }),
        'train.csv',
        2,
        'timestamp',
        /numeric timestamp/,
      );
    });
  }
  it('decimal timestamps are accepted', () => {
    const ds = windows({ 'train.csv': HEADER + 'u1,"[1, 2]",1.5e3\nu2,"[1, 2]",-2.25\nu3,"[1,2]",7\n' })();
    assert.deepEqual(
      ds.train.map((e) => e.timestamp),
      [-2.25, 7, 1500], // train is kept in timestamp order
    );
  });
});

describe('header-only files fail at load time', () => {
  it('valid.csv, test.csv and train.csv', () => {
    throwsData(
      windows({ 'valid.csv': HEADER }),
      'valid.csv',
      undefined,
      undefined,
      /^valid\.csv: no data rows \(header only\)$/,
    );
    throwsData(
      windows({ 'test.csv': HEADER + '\n\n' }),
      'test.csv',
      undefined,
      undefined,
      /no data rows \(header only\)/,
    );
    throwsData(windows({ 'train.csv': HEADER }), 'train.csv', undefined, undefined, /no data rows \(header only\)/);
  });
  it('an interaction log', () => {
    const dir = fixture({ 'log.csv': 'user,item,timestamp\n' });
    throwsData(
      () => loadInteractions({ file: path.join(dir, 'log.csv') }),
      'log.csv',
      undefined,
      undefined,
      /header only/,
    );
  });
});
