// Saved semantic-ID artefacts: the embedding cache (hit, miss on another config, rebuild of a corrupt file) and index
// files (round trip, checks against the catalogue), and a run config that trains against a saved index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../src/engine/index.js';
import { loadDataset } from '../src/data/index.js';
import { cachedItemEmbeddings, loadSidIndex } from '../src/sid/cache.js';
import { buildItemEmbeddings } from '../src/sid/embeddings.js';
import { resolveRunConfig } from '../src/pipeline/config.js';
import { buildSidIndexFile } from '../src/pipeline/sid-index.js';
import { buildIdentifier } from '../src/pipeline/identifiers/registry.js';

setNumThreads(1);

const ds = loadDataset({ format: 'embedded' });
const items = ds.items.slice(0, 300).map((it, index) => ({ ...it, index }));

test('embedding cache: a hit returns the same vectors, another config misses, a corrupt file is rebuilt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-cache-'));
  const logs: string[] = [];
  const opts = { cacheDir: dir, datasetFingerprint: 'fp1', log: (l: string) => void logs.push(l) };
  const a = cachedItemEmbeddings(items, [], { dim: 16 }, opts);
  assert.equal(a.cached, false);
  const b = cachedItemEmbeddings(items, [], { dim: 16 }, opts);
  assert.equal(b.cached, true);
  assert.equal(b.fingerprint, a.fingerprint);
  assert.deepEqual(b.data, a.data);
  assert.equal(a.fingerprint, buildItemEmbeddings(items, [], { dim: 16 }).fingerprint, 'cache does not change results');
  assert.equal(cachedItemEmbeddings(items, [], { dim: 8 }, opts).cached, false, 'another config');
  assert.equal(cachedItemEmbeddings(items, [], { dim: 16 }, { ...opts, datasetFingerprint: 'fp2' }).cached, false);
  const files = readdirSync(join(dir, 'embeddings'));
  assert.equal(files.length, 3);
  // flip bytes inside every file's tensor data: the fingerprint check catches it and the file is rebuilt
  for (const x of files) {
    const f = join(dir, 'embeddings', x);
    const buf = readFileSync(f);
    for (let i = buf.length - 40; i < buf.length; i++) buf[i] ^= 0xff;
    writeFileSync(f, buf);
  }
  const before = logs.length;
  const again = cachedItemEmbeddings(items, [], { dim: 16 }, opts);
  assert.equal(again.cached, false, 'the corrupted file is not trusted');
  assert.deepEqual(again.data, a.data);
  assert.equal(cachedItemEmbeddings(items, [], { dim: 16 }, opts).cached, true, 'and the rebuilt file is used again');
  assert.ok(logs.length > before && /rebuilding/.test(logs.at(-1)!));
  assert.equal(cachedItemEmbeddings(items, [], { dim: 16 }, { ...opts, cacheDir: '' }).cached, false, "'' disables");
});

test('sid index file: round trip through a run config, and loud errors against another catalogue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-index-'));
  const cfg = resolveRunConfig([
    {
      value: { dataset: 'embedded:office-mini', cacheDir: join(dir, 'cache'), sid: { codebookSize: 16 } },
      source: 'test',
    },
  ]);
  const out = buildSidIndexFile(cfg, { out: join(dir, 'index.json') });
  assert.equal(out.index.dataset.items, ds.items.length);
  assert.equal(out.ids.stats?.collisionRateAfter, 0);
  const loaded = loadSidIndex(out.path, ds.items);
  for (let i = 0; i < ds.items.length; i++) assert.deepEqual(loaded.code(i), out.ids.code(i));
  // a run with identifier 'sid' and sidIndex uses the saved codes, not freshly built ones
  const runCfg = resolveRunConfig([
    { value: { identifier: 'sid', sidIndex: out.path, sid: { codebookSize: 8 } }, source: 'test' },
  ]);
  const ids = buildIdentifier(runCfg.identifier, runCfg, ds, () => {});
  for (let i = 0; i < ds.items.length; i += 97) assert.deepEqual(ids.code(i), out.ids.code(i));
  // checks against the catalogue
  const renamed = ds.items.map((it) => (it.index === 5 ? { ...it, title: 'something else' } : it));
  assert.throws(() => loadSidIndex(out.path, renamed), /item 5 is titled "something else" in the data set/);
  assert.throws(() => loadSidIndex(out.path, ds.items.slice(0, 10)), /built for 1500 items, the data set has 10/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'other' }));
  assert.throws(() => loadSidIndex(bad, ds.items), /not a genrec-sid-index version 1 file/);
  assert.throws(() => loadSidIndex(join(dir, 'missing.json'), ds.items), /file not found/);
});
