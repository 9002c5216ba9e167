import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads } from '../src/engine/index.js';
import { loadDataset } from '../src/data/index.js';
import { EOS } from '../src/ids/index.js';
import { identifierFromJSON } from '../src/pipeline/identifiers/registry.js';
import { buildSemanticIdentifier, SidConfig } from '../src/sid/build.js';
import { collisionRate } from '../src/sid/codes.js';
import { buildItemEmbeddings } from '../src/sid/embeddings.js';
import { textEmbeddings } from '../src/sid/text-embeddings.js';

setNumThreads(1);

test('SidConfig: defaults and loud errors', () => {
  const d = SidConfig.defaults();
  assert.equal(d.levels, 3);
  assert.equal(d.codebookSize, 256);
  assert.equal(d.quantizer, 'rkmeans');
  assert.equal(d.rqvae.beta, 0.25);
  assert.throws(() => SidConfig.parse({ quantizer: 'rqvea' }), /did you mean 'rqvae'/);
  assert.throws(() => SidConfig.parse({ rqvae: { beta: -1 } }), /sid\.rqvae\.beta/);
});

test('rqvae quantiser end to end on a tiny catalog: unique codes, round trip', () => {
  const titles = ['red pen', 'blue pen', 'black pen', 'stapler', 'staples', 'paper clips', 'tape', 'glue stick'];
  const items = titles.map((title, index) => ({ index, rawId: String(index), title }));
  const emb = textEmbeddings(items, { dim: 4, minDf: 1 });
  const id = buildSemanticIdentifier(items, emb, {
    quantizer: 'rqvae',
    levels: 2,
    codebookSize: 3,
    rqvae: { hidden: [8], latentDim: 3, epochs: 5, batchSize: 8 },
  });
  for (let i = 0; i < items.length; i++) assert.equal(id.itemOf(id.code(i)), i);
  assert.equal(id.stats?.collisionRateAfter, 0);
  assert.equal(id.stats?.losses?.length, 5);
});

test('embedded office-mini: text embeddings + residual k-means, zero collisions after resolution', () => {
  const ds = loadDataset({ format: 'embedded' });
  const n = ds.items.length;
  const emb = buildItemEmbeddings(ds.items, ds.train, { sources: ['text'], dim: 64 });
  const t0 = performance.now();
  const id = buildSemanticIdentifier(ds.items, emb, { levels: 3, codebookSize: 256, seed: 0 });
  const ms = performance.now() - t0;
  const s = id.stats;
  assert.ok(s);
  assert.equal(id.numItems, n);
  const codes = Array.from({ length: n }, (_, i) => id.code(i));
  assert.equal(collisionRate(codes), 0);
  assert.equal(s.collisionRateAfter, 0);
  for (let i = 0; i < n; i++) assert.equal(id.itemOf(codes[i]), i);
  for (const c of codes) assert.equal(c[c.length - 1], EOS);
  assert.equal(s.embeddingFingerprint, emb.fingerprint);
  // k-means with empty-cluster repair uses every code of level 0 when there are ≥ K distinct embeddings.
  assert.equal(s.utilisation[0], 1);
  const back = identifierFromJSON(JSON.parse(JSON.stringify(id.toJSON())));
  for (let i = 0; i < n; i += 97) assert.deepEqual(Array.from(back.code(i)), Array.from(codes[i]));
  console.log(
    `# office-mini (${n} items): build ${ms.toFixed(0)} ms; collisions before ${(100 * s.collisionRateBefore).toFixed(2)}% ` +
      `(${s.collisionGroups} groups, ${s.collidingItems} items, max group ${s.maxGroupSize}) after 0%; ` +
      `sizes ${s.sizes.join('/')}; used ${s.used.join('/')}; utilisation ${s.utilisation.map((u) => u.toFixed(3)).join('/')}; ` +
      `balance ${s.balance.map((u) => u.toFixed(3)).join('/')}; ` +
      `relative recon error ${s.reconstructionRelative.toFixed(4)}; embeddings ${emb.source} ${emb.fingerprint}`,
  );
});
