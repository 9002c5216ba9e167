// The embedded list-task data set data/genre-drift/: its files are what scripts/make-genre-drift.mjs writes (byte for
// byte), its list and next-item loads are pinned (fingerprints and counts), and its planted structure is there.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { embeddedDir, loadListDataset } from '../src/data/index.js';
import { loadDatasetFromSpec, loadListDatasetFromSpec } from '../src/pipeline/dataset.js';

const dir = embeddedDir('genre-drift');
const root = path.resolve(dir, '..', '..');

describe('embedded genre-drift', () => {
  it('the checked-in files are exactly what the seeded script writes', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genrec-genre-drift-'));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'make-genre-drift.mjs'), tmp], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['sequences.jsonl', 'items.jsonl']) {
      assert.ok(
        fs.readFileSync(path.join(tmp, f)).equals(fs.readFileSync(path.join(dir, f))),
        `${f} differs from the script's output`,
      );
    }
    const size = ['sequences.jsonl', 'items.jsonl', 'README.md'].reduce(
      (a, f) => a + fs.statSync(path.join(dir, f)).size,
      0,
    );
    assert.ok(size < 1 << 20, `data/genre-drift is ${size} bytes`);
  });

  it('list task: pinned counts and fingerprint (the defaults: history 10, targets 10, stride 10, minLength 20)', () => {
    const ds = loadListDatasetFromSpec('embedded:genre-drift?task=list');
    assert.equal(ds.name, 'genre-drift');
    assert.equal(ds.hasGenres, true);
    const users = new Set([...ds.train, ...ds.valid, ...ds.test].map((e) => e.user));
    assert.deepEqual(
      [users.size, ds.items.length, ds.items.filter((i) => i.genres === undefined).length],
      [732, 400, 8],
    );
    assert.deepEqual([ds.train.length, ds.valid.length, ds.test.length], [1512, 189, 189]);
    assert.equal(ds.fingerprint, 'f66684a23456525f');
    for (const e of [...ds.train, ...ds.valid, ...ds.test]) {
      assert.equal(e.history.length, 10);
      assert.equal(e.targets.length, 10);
    }
    assert.ok(ds.train[ds.train.length - 1].timestamp <= ds.valid[0].timestamp);
    assert.ok(ds.valid[ds.valid.length - 1].timestamp <= ds.test[0].timestamp);
    // the same through the typed spec, and again: deterministic
    assert.equal(loadListDataset({ format: 'embedded', name: 'genre-drift' }).fingerprint, ds.fingerprint);
    assert.equal(loadListDataset({ format: 'embedded' }).fingerprint, ds.fingerprint);
  });

  it('the genre-less variant (genres=false) and the next-item view of the same files', () => {
    const plain = loadListDatasetFromSpec('embedded:genre-drift?task=list&genres=false');
    assert.equal(plain.hasGenres, false);
    assert.ok(plain.items.every((i) => i.genres === undefined));
    assert.equal(plain.fingerprint, '32d22a662cef583f');
    const next = loadDatasetFromSpec('embedded:genre-drift');
    assert.deepEqual([next.train.length, next.valid.length, next.test.length], [17888, 2236, 2237]);
    assert.equal(next.protocol.name, 'bear-windows');
    assert.equal(next.fingerprint, 'b250ce7fc9aa9858');
  });

  it('has the planted structure: the first target mostly shares the last history item genre', () => {
    const ds = loadListDatasetFromSpec('embedded:genre-drift?task=list');
    const primary = ds.items.map((i) => i.genres?.[0]);
    let same = 0;
    let known = 0;
    for (const e of ds.test) {
      const g = primary[e.history[e.history.length - 1]];
      if (g === undefined) continue;
      known++;
      if (primary[e.targets[0]] === g) same++;
    }
    // chance (8 genres, popularity within genres) is about 1/8; the Markov chain stays in a genre with 0.8
    assert.ok(same / known > 0.6, `${same} of ${known}`);
  });
});
