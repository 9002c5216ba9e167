// Data subsets and set specs of the comparison experiments.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NextItemDataset } from '../data/index.js';

/** The first `n` users (sorted by id) with all their rows in every split. */
export function userSubset(ds: NextItemDataset, n: number): NextItemDataset {
  const users = [...new Set([...ds.train, ...ds.valid, ...ds.test].map((e) => e.user))].sort().slice(0, n);
  const keep = new Set(users);
  const f = (xs: NextItemDataset['train']) => xs.filter((e) => keep.has(e.user));
  return {
    ...ds,
    name: `${ds.name}-${users.length}u`,
    train: f(ds.train),
    valid: f(ds.valid),
    test: f(ds.test),
    fingerprint: `${ds.fingerprint}-${users.length}u`,
  };
}

/** Data-set spec of a set name: embedded, or windows:<dir>, with the paper's train_10000 sample for book and toy. */
export function setSpec(set: string, dataDir: string, paperSample: boolean): string {
  if (set.startsWith('embedded:')) return set;
  const dir = join(dataDir, set);
  if (!paperSample || set === 'amazon-office') return `windows:${dir}`;
  // the paper's fixed sample where it is published (book); toy's train.csv was rebuilt without one: an equal-size
  // random sample of it (seed 0)
  return existsSync(join(dir, 'train_10000.csv'))
    ? `windows:${dir}?train=train_10000.csv`
    : `windows:${dir}?trainSample=10000&sampleSeed=0`;
}
