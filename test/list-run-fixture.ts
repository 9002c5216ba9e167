// What the list-task run tests share: the embedded list set and the run config of a tiny list run.
import { resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';

export const LIST_SPEC = 'embedded:genre-drift?task=list';

/** The run config of a list run: the tiny preset, one epoch, one thread, plus `over`. */
export function listConfig(out: string, over: Record<string, unknown> = {}): RunConfig {
  return resolveRunConfig([
    {
      value: {
        preset: 'tiny',
        task: 'list',
        dataset: LIST_SPEC,
        objective: 'sft',
        out,
        threads: 1,
        refit: false,
        trainer: { epochs: 1, batchSize: 64, logIntervalSec: 0 },
        list: { validUsers: 8, chunkUsers: 32 },
      },
      source: 'test',
    },
    { value: over, source: 'test overrides' },
  ]);
}
