import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic, writeJsonAtomicSync } from '../src/util/atomic.js';

function withDir(f: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'genrec-atomic-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Chunks that throw after the first one, simulating a failure midway through the write. */
function* failingChunks(): Generator<Uint8Array> {
  yield Buffer.from('partial new content');
  throw new Error('disk on fire');
}

test(
  'async write creates parent dirs, replaces content, leaves no temp files',
  withDir(async (dir) => {
    const target = path.join(dir, 'a', 'b', 'out.txt');
    await writeFileAtomic(target, 'hello');
    assert.equal(readFileSync(target, 'utf8'), 'hello');
    await writeFileAtomic(target, new Uint8Array([104, 105]));
    assert.equal(readFileSync(target, 'utf8'), 'hi');
    await writeFileAtomic(target, [Buffer.from('ab'), Buffer.from('cd')]);
    assert.equal(readFileSync(target, 'utf8'), 'abcd');
    assert.deepEqual(readdirSync(path.dirname(target)), ['out.txt']);
  }),
);

test(
  'sync write works the same',
  withDir((dir) => {
    const target = path.join(dir, 'x', 'out.bin');
    writeFileAtomicSync(target, new Uint8Array(100_000).fill(7));
    const back = readFileSync(target);
    assert.equal(back.length, 100_000);
    assert.equal(back[99_999], 7);
    assert.deepEqual(readdirSync(path.dirname(target)), ['out.bin']);
  }),
);

test(
  'a failure midway leaves the target unchanged and no temp file behind (async)',
  withDir(async (dir) => {
    const target = path.join(dir, 'keep.txt');
    writeFileSync(target, 'original');
    await assert.rejects(writeFileAtomic(target, failingChunks()), /disk on fire/);
    assert.equal(readFileSync(target, 'utf8'), 'original');
    assert.deepEqual(readdirSync(dir), ['keep.txt']);
  }),
);

test(
  'a failure midway leaves the target unchanged and no temp file behind (sync)',
  withDir((dir) => {
    const target = path.join(dir, 'keep.txt');
    writeFileSync(target, 'original');
    assert.throws(() => writeFileAtomicSync(target, failingChunks()), /disk on fire/);
    assert.equal(readFileSync(target, 'utf8'), 'original');
    assert.deepEqual(readdirSync(dir), ['keep.txt']);
  }),
);

test(
  'a failed write to a new file creates nothing',
  withDir(async (dir) => {
    const target = path.join(dir, 'new.txt');
    await assert.rejects(writeFileAtomic(target, failingChunks()), /disk on fire/);
    assert.deepEqual(readdirSync(dir), []);
  }),
);

test(
  'JSON writers: pretty, trailing newline, reject non-serialisable values',
  withDir(async (dir) => {
    const target = path.join(dir, 'r.json');
    await writeJsonAtomic(target, { a: 1, b: [1, 2] });
    assert.equal(readFileSync(target, 'utf8'), '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}\n');
    writeJsonAtomicSync(target, 'x');
    assert.equal(readFileSync(target, 'utf8'), '"x"\n');
    await assert.rejects(writeJsonAtomic(target, undefined), /not JSON-serialisable/);
    assert.equal(readFileSync(target, 'utf8'), '"x"\n');
  }),
);
