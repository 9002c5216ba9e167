// Streamed reading (reliability issue item 4): files are read in chunks and decoded incrementally, so rows,
// line numbers and errors must not depend on where the chunks end. Tiny chunk sizes (1..7 bytes) stand in for a
// file larger than V8's longest string (~512 MiB), which would be too slow for the suite.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsvChunks, parseCsvRows, readCsvTable, type CsvRow } from '../src/data/csv.js';
import { DataError } from '../src/data/errors.js';
import { loadDataset, loadInteractions, loadSequences } from '../src/data/index.js';
import { jsonlFile, jsonlObjects, readTitleMap } from '../src/data/jsonutil.js';
import { readTextChunks, textReadSettings } from '../src/data/textfile.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'genrec-stream-'));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let count = 0;
function write(name: string, data: string | Buffer): string {
  const dir = path.join(tmpRoot, `f${count++}`);
  fs.mkdirSync(dir);
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
}

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

// quoted commas and line breaks (LF, CRLF, lone CR), escaped quotes, CRLF rows, a BOM, blank lines, multi-byte
// characters of 2, 3 and 4 bytes, an empty last field and no final newline
const CSV =
  '\ufeffuser_id,item_ids,timestamp,note\r\n' +
  'ü1,"[1, 2]",10,"a, b"\r\n' +
  '\r\n' +
  'u2,"[2, 3]",20,"two\nlines and ""quotes"" €"\n' +
  'u3,"[3, 1]",30,"cr\rlf\r\n😀"\r' +
  '\n' +
  '\n' +
  '"u""4",[1],40,\n' +
  'u5,"[1, 3]",50,é,extra';

describe('chunked CSV parsing', () => {
  const whole = [...parseCsvRows(CSV, 'x.csv')];
  it('the reference rows (whole text)', () => {
    assert.deepEqual(
      whole.map((r) => [r.line, r.fields]),
      [
        [1, ['user_id', 'item_ids', 'timestamp', 'note']],
        [2, ['ü1', '[1, 2]', '10', 'a, b']],
        [4, ['u2', '[2, 3]', '20', 'two\nlines and "quotes" €']],
        [6, ['u3', '[3, 1]', '30', 'cr\rlf\r\n😀']],
        [10, ['u"4', '[1]', '40', '']],
        [11, ['u5', '[1, 3]', '50', 'é', 'extra']],
      ],
    );
  });
  it('string chunks of 1..7 characters give the same rows', () => {
    for (let k = 1; k <= 7; k++) {
      const chunks: string[] = [];
      for (let i = 0; i < CSV.length; i += k) chunks.push(CSV.slice(i, i + k));
      assert.deepEqual([...parseCsvChunks(chunks, 'x.csv')], whole, `chunk size ${k}`);
    }
  });
  it('a file read in byte chunks of 1..7 (multi-byte characters split across chunks) gives the same rows', () => {
    const f = write('x.csv', CSV);
    for (let k = 1; k <= 7; k++) {
      const rows: CsvRow[] = [];
      const h = readCsvTable(f, ['user_id', 'item_ids'], (r) => rows.push(r), k);
      assert.deepEqual([{ line: 1, fields: h.header }, ...rows], whole, `chunk size ${k}`);
      assert.equal(h.rows, 5);
    }
  });
  it('errors keep their line and column whatever the chunk size', () => {
    const cases: [string, string][] = [
      ['a,b\n1,"open\nstill open', 'x.csv:2: field column 2: unterminated quoted field'],
      ['a,b\n\n1,x"y\n', 'x.csv:3: field column 2: quote inside an unquoted field'],
      ['a,b\r\n\r\n"q\r\n"z,1\n', 'x.csv:4: field column 1: unexpected character after closing quote'],
    ];
    for (const [text, msg] of cases) {
      for (let k = 1; k <= 7; k++) {
        const chunks: string[] = [];
        for (let i = 0; i < text.length; i += k) chunks.push(text.slice(i, i + k));
        assert.equal(errorOf(() => [...parseCsvChunks(chunks, 'x.csv')]).message, msg, `chunk size ${k}`);
      }
    }
  });
});

describe('chunked JSONL reading', () => {
  const JSONL =
    '\ufeff{"user": "ü", "items": [1, 2], "timestamps": [1, 2]}\r\n\n  {"user": "😀€", "items": [3], "timestamps": [3]}';
  it('gives the same records and line numbers for byte chunks of 1..7', () => {
    const f = write('s.jsonl', JSONL);
    const whole = [...jsonlObjects(JSONL, 's.jsonl')];
    assert.deepEqual(
      whole.map((r) => [r.line, r.obj.user]),
      [
        [1, 'ü'],
        [3, '😀€'],
      ],
    );
    for (let k = 1; k <= 7; k++) assert.deepEqual([...jsonlFile(f, k)], whole, `chunk size ${k}`);
  });
});

describe('decoding and I/O errors', () => {
  // line 3 holds the invalid byte 0xff after "é" (2 bytes) and a 4-byte emoji
  const bad = Buffer.concat([Buffer.from('a,b\n1,2\n😀é'), Buffer.from([0xff]), Buffer.from('x,3\n')]);
  it('invalid UTF-8: same line and byte offset for every chunk size', () => {
    const f = write('bad.csv', bad);
    for (const k of [1, 2, 3, 4, 5, 6, 7, 1 << 20]) {
      const e = errorOf(() => [...readTextChunks(f, k)]);
      assert.equal(
        e.message,
        'bad.csv:3: field encoding: invalid UTF-8 at byte offset 14 (bytes ff 78 2c 33): the file must be UTF-8 encoded',
        `chunk size ${k}`,
      );
    }
  });
  it('invalid UTF-8: overlong, surrogate and truncated sequences', () => {
    const cases: [number[], number][] = [
      [[0xc0, 0x80], 2], // overlong NUL
      [[0xed, 0xa0, 0x80], 2], // UTF-16 surrogate
      [[0xf0, 0x9f, 0x98], 2], // 4-byte sequence cut before a newline
      [[0xe2, 0x82], 2], // cut at the end of the file (no newline after)
    ];
    for (const [bytes, at] of cases) {
      const f = write(
        't.jsonl',
        Buffer.concat([
          Buffer.from('{}\n{"a": "'),
          Buffer.from(bytes),
          Buffer.from(bytes.length === 2 && bytes[0] === 0xe2 ? '' : '"}\n'),
        ]),
      );
      for (const k of [1, 2, 3, 5, 64]) {
        const e = errorOf(() => [...readTextChunks(f, k)]);
        assert.equal(e.line, at, `${bytes} chunk ${k}: ${e.message}`);
        assert.match(e.message, /byte offset 10 /, `${bytes} chunk ${k}`);
      }
    }
  });
  it('a directory, a missing file and an unreadable file name the file', () => {
    const dir = path.dirname(write('x.csv', 'a\n'));
    for (const fn of [() => [...readTextChunks(dir)], () => readTitleMap(dir)]) {
      const e = errorOf(fn);
      assert.match(e.message, new RegExp(`^${path.basename(dir)}: cannot read .*EISDIR`));
    }
    assert.match(errorOf(() => [...readTextChunks(path.join(dir, 'nope.csv'))]).message, /^nope\.csv: file not found/);
    assert.match(
      errorOf(() => loadSequences({ sequences: path.join(dir, 'nope.jsonl') })).message,
      /^nope\.jsonl: file not found/,
    );
  });
});

describe('loaders give the same data set with any chunk size', () => {
  it('windows, interactions (CSV and JSONL) and sequences', () => {
    const dir = path.dirname(
      write(
        'train.csv',
        'user_id,item_ids,timestamp\n' +
          Array.from({ length: 30 }, (_, i) => `ü${i % 7},"[${i % 5}, ${(i * 3) % 11}, ${i % 4}]",${i}\n`).join(''),
      ),
    );
    fs.writeFileSync(path.join(dir, 'test.csv'), 'user_id,item_ids,timestamp\nv,"[1, 2]",99\r\n');
    fs.writeFileSync(path.join(dir, 'id2name4Rec.json'), JSON.stringify({ 1: 'Ünø', 2: '€ two 😀' }));
    const log = Array.from({ length: 60 }, (_, i) => [`ü${i % 6}`, `i${(i * 7) % 9}`, i]);
    fs.writeFileSync(path.join(dir, 'log.csv'), 'user,item,timestamp\n' + log.map((r) => r.join(',')).join('\n'));
    fs.writeFileSync(
      path.join(dir, 'log.jsonl'),
      log.map(([user, item, timestamp]) => JSON.stringify({ user, item, timestamp })).join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'seq.jsonl'), '{"user": "é", "items": [1, 2, 3], "timestamps": [3, 2, 1]}\n');
    const load = () => [
      loadDataset({ format: 'windows', dir }).fingerprint,
      loadInteractions({ file: path.join(dir, 'log.csv'), kcore: 2 }).fingerprint,
      loadInteractions({ file: path.join(dir, 'log.jsonl'), kcore: 2 }).fingerprint,
      JSON.stringify(loadSequences({ sequences: path.join(dir, 'seq.jsonl') })),
    ];
    const ref = load();
    assert.equal(ref[1], ref[2], 'CSV and JSONL logs give the same data set');
    const saved = textReadSettings.chunkSize;
    try {
      for (const k of [1, 2, 3, 7]) {
        textReadSettings.chunkSize = k;
        assert.deepEqual(load(), ref, `chunk size ${k}`);
      }
    } finally {
      textReadSettings.chunkSize = saved;
    }
  });
});
