// BLADE's cached reference set (src/pipeline/list/reference-set.ts): sampled once, reused, rebuilt when the model,
// the data, the prompts, the settings or the reward change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../src/engine/index.js';
import { referenceSet, type ReferenceSetSettings } from '../src/pipeline/list/reference-set.js';
import { createReward, type ListReward } from '../src/rewards/index.js';
import type { ListExample } from '../src/data/types.js';
import { sideWithoutGenres, tinyGenRec, twelveItemSids } from './tiny-genrec-fixture.js';

setNumThreads(1);

const N = 12;
const ids = twelveItemSids();
const side = sideWithoutGenres(N);
const prompts: ListExample[] = Array.from({ length: 5 }, (_, i) => ({
  user: `u${i}`,
  history: [i, (i + 4) % N],
  targets: [(i + 1) % N, (i + 2) % N, 7],
  timestamp: i,
}));
const S: ReferenceSetSettings = {
  size: 6,
  temperature: 0.8,
  repetitionPenalty: 1.05,
  listLength: 3,
  excludeHistory: true,
  seed: 0,
  chunk: 2,
};

test('the reference set is sampled once, reused from its cache, and rebuilt when its inputs change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genrec-refset-'));
  try {
    const file = join(dir, 'reference.json');
    const model = tinyGenRec(ids, 3, 5);
    const ndcg = createReward('ndcg', side, { k: 3 }) as ListReward;
    const src = { model: 'run-a', data: 'fp-1', reward: { name: 'ndcg', config: { k: 3 } } };
    const first = referenceSet(model, prompts, ndcg, S, src, file);
    assert.equal(first.reused, false);
    assert.equal(first.rewards.length, prompts.length);
    for (const r of first.rewards) {
      assert.equal(r.length, S.size);
      for (let i = 1; i < r.length; i++) assert.ok(r[i] >= r[i - 1], 'sorted');
      for (const v of r) assert.ok(v >= 0 && v <= 1);
    }
    const stamp = statSync(file).mtimeMs;
    const again = referenceSet(model, prompts, ndcg, { ...S, chunk: 5 }, src, file); // chunking is not in the key
    assert.equal(again.reused, true);
    assert.deepEqual(again.rewards, first.rewards);
    assert.equal(statSync(file).mtimeMs, stamp, 'a reuse does not rewrite the file');
    // the same draws without a cache and in other chunks: the per-response streams make batching irrelevant
    assert.deepEqual(referenceSet(model, prompts, ndcg, { ...S, chunk: 1 }, src).rewards, first.rewards);
    for (const [what, s2, src2, p2] of [
      ['model', S, { ...src, model: 'run-b' }, prompts],
      ['data', S, { ...src, data: 'fp-2' }, prompts],
      ['settings', { ...S, size: 4 }, src, prompts],
      ['prompts', S, src, prompts.slice(1)],
    ] as const) {
      const r = referenceSet(model, p2, ndcg, s2, src2, file);
      assert.equal(r.reused, false, `rebuilt when the ${what} changes`);
      assert.ok((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key.length > 0);
    }
    model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
