// `genrec eval` of a list-task run: its lists for a split under the (possibly overridden) `list` settings — greedy,
// sampled, beam, or Best-of-N — scored with every list metric, beside the most-popular list.
import { formatConsoleTable } from '../../report/table.js';
import { itemSideInfo } from '../../rewards/index.js';
import type { RunConfig } from '../config.js';
import { loadListDatasetFromSpec } from '../dataset.js';
import { checkRunData, type LoadedRun } from '../load-run.js';
import { evaluateLists, scoreLists, type ListEvalResult } from './evaluate.js';
import { popularLists } from './run.js';
import { progressCallback } from '../../util/progress.js';

export interface ListRunEval {
  result: ListEvalResult;
  popular: Record<string, number>;
  table: string;
  dataset: { name: string; fingerprint: string; protocol: string };
}

export function evaluateListRun(
  run: LoadedRun,
  cfg: RunConfig,
  split: 'test' | 'valid',
  allowDataChange: boolean,
): ListRunEval {
  const ds = loadListDatasetFromSpec(cfg.dataset);
  checkRunData(run, ds, allowDataChange);
  const side = itemSideInfo(ds.name, ds.items);
  const users = ds[split];
  const result = evaluateLists(run.model, users, cfg.list, side, progressCallback(split, users.length));
  const popular = scoreLists(
    popularLists(ds, users, cfg.list.listLength, cfg.list.excludeHistory),
    users,
    side,
    cfg.list.ks,
  ).mean;
  const names = result.metrics;
  const cols = [
    { key: 'method' },
    ...names.map((k) => ({ key: k, decimals: 4 })),
    { key: 'invalid', decimals: 3 },
    { key: 'repeated', decimals: 3 },
    { key: 'lists/s', decimals: 1 },
  ];
  const decoder =
    cfg.list.decoder === 'sample' && cfg.list.bestOf > 1
      ? `best of ${cfg.list.bestOf} samples by ${cfg.list.bestBy} (${cfg.list.bestOf}× the decoding cost)`
      : cfg.list.decoder;
  const table = formatConsoleTable(
    [
      { method: 'most-popular', ...popular },
      { method: `genrec (${decoder})`, ...result.mean, 'lists/s': result.listsPerSec },
    ],
    cols,
  );
  for (const [m, why] of Object.entries(result.unavailable)) process.stderr.write(`${m}: unavailable (${why})\n`);
  return {
    result,
    popular,
    table,
    dataset: {
      name: ds.name,
      fingerprint: ds.fingerprint,
      protocol: `${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}; ${split}: ${decoder}, excludeHistory ${cfg.list.excludeHistory}`,
    },
  };
}
