// A tiny trained run for the server tests: the tiny preset on a slice of the embedded set, one epoch (seconds), in a
// fresh temporary directory. Its quality does not matter; its decoding is deterministic.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type NextItemDataset } from '../src/data/index.js';
import { resolveRunConfig } from '../src/pipeline/config.js';
import { runExperiment } from '../src/pipeline/run.js';
import { setNumThreads } from '../src/engine/index.js';
import { resolveServeConfig, type ServeConfig } from '../src/server/config.js';

export interface TinyRun {
  dir: string;
  data: NextItemDataset;
}

/** Trains the tiny run into a new temporary directory (the caller removes it). */
export async function trainTinyRun(): Promise<TinyRun> {
  setNumThreads(1);
  const full = loadDataset({ format: 'embedded' });
  const data = { ...full, train: full.train.slice(0, 128), valid: full.valid.slice(0, 8), test: full.test.slice(0, 8) };
  const dir = mkdtempSync(join(tmpdir(), 'genrec-serve-'));
  const cfg = resolveRunConfig([
    {
      value: {
        preset: 'tiny',
        out: dir,
        threads: 1,
        select: false,
        trainer: { epochs: 1, batchSize: 64, logIntervalSec: 0 },
        eval: { validUsers: 4, beamWidth: 5, ks: [1, 5], chunkUsers: 8 },
      },
      source: 'test',
    },
  ]);
  await runExperiment(cfg, { data, log: () => {} });
  return { dir, data };
}

/** A server configuration for tests: quiet, one thread, any free port, and `over` on top. */
export function testServeConfig(over: Record<string, unknown> = {}): ServeConfig {
  return resolveServeConfig([{ value: { port: 0, threads: 1, logLevel: 'silent', ...over }, source: 'test' }]);
}
