// MovieLens-1M as a list task (BLADE-style, the defaults). Needs ../shared/data/movielens-1m (or
// $GENREC_SHARED_DATA/movielens-1m); skipped, saying so, when it is absent. Prints the counts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { loadListDatasetFromSpec } from '../src/pipeline/dataset.js';

const shared = path.resolve(process.env.GENREC_SHARED_DATA ?? path.resolve(process.cwd(), '../shared/data'));
const dir = path.join(shared, 'movielens-1m');
const skip = fs.existsSync(path.join(dir, 'sequences.jsonl'))
  ? false
  : `no ${dir}/sequences.jsonl (reference data; set GENREC_SHARED_DATA to its folder)`;

it('movielens-1m as a list task: users kept and train / valid / test windows', { skip }, (t) => {
  const ds = loadListDatasetFromSpec(`sequences:${dir}?task=list`);
  const all = [...ds.train, ...ds.valid, ...ds.test];
  const users = new Set(all.map((e) => e.user)).size;
  t.diagnostic(
    `movielens-1m list task (history 10, targets 10, stride 10, minLength 20): ${users} users kept, ` +
      `${ds.items.length} items (${ds.items.filter((i) => i.genres === undefined).length} without genres), ` +
      `${all.length} windows: ${ds.train.length} train, ${ds.valid.length} valid, ${ds.test.length} test; ` +
      `fingerprint ${ds.fingerprint}`,
  );
  // 5 of the 6,040 users have 18 or 19 ratings in this release (its README says at least 20): dropped
  assert.equal(users, 6035);
  assert.ok(ds.log.includes('5 of 6040 users have fewer than 20 interactions: dropped'), ds.log.join('\n'));
  assert.equal(ds.items.length, 3416);
  assert.equal(ds.hasGenres, true);
  assert.deepEqual([all.length, ds.train.length, ds.valid.length, ds.test.length], [91272, 73017, 9127, 9128]);
  assert.equal(ds.train.length, Math.floor(0.8 * all.length));
  assert.equal(ds.valid.length, Math.floor(0.1 * all.length));
  for (const e of all) {
    assert.equal(e.history.length, 10);
    assert.equal(e.targets.length, 10);
  }
  assert.ok(ds.train[ds.train.length - 1].timestamp <= ds.valid[0].timestamp);
  assert.ok(ds.valid[ds.valid.length - 1].timestamp <= ds.test[0].timestamp);
});
