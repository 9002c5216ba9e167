// npm run bench -- scoring --set amazon-office [--methods sft,msl,bear] [--selectTag prefixsel] [--finalTag prefix]
//                          [--validUsers 0] [--threads N]
// The decoding distribution (`eval.scoring`: 'full' = HF constrained decoding over the full softmax, 'valid' =
// renormalised over the trie-valid tokens, the distribution MSL and BEAR train) chosen on validation, per method:
//  1. the selection run runs/bench/<set>-<method>-s0-<selectTag> (trained on train only, same protocol otherwise) is
//     decoded on the validation rows (the latest --validUsers, 0 = all) under both scorings; the better NDCG@10 wins
//     (a method without a selection run keeps 'full', the default);
//  2. the final run runs/bench/<set>-<method>-s0-<finalTag> (trained on train + valid) is decoded on test with the
//     chosen scoring. Test is never used to choose. Paired bootstraps of NDCG@10 between methods. Last line is JSON.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pairedBootstrap } from '../src/eval/stats.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { evaluateModel } from '../src/pipeline/evaluate.js';
import { evalSettings, loadRun } from '../src/pipeline/run.js';
import { applyThreads } from '../src/pipeline/threads.js';
import type { TokenScoring } from '../src/decode/common.js';
import { formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { codeVersion } from '../src/util/version.js';
import { benchRunDir } from './runs.js';

const SCORINGS: TokenScoring[] = ['full', 'valid'];

export function runScoringBench(args: Map<string, string>): Record<string, unknown> {
  const set = args.get('set');
  if (!set) throw new Error('bench scoring: --set is required (e.g. amazon-office)');
  const methods = (args.get('methods') ?? 'sft,msl,bear').split(',').filter(Boolean);
  const selectTag = args.get('selectTag') ?? 'prefixsel';
  const finalTag = args.get('finalTag') ?? 'prefix';
  const validUsers = Number(args.get('validUsers') ?? 0);
  if (!Number.isInteger(validUsers) || validUsers < 0) throw new Error('bench scoring: --validUsers must be ≥ 0');
  applyThreads(Number(args.get('threads') ?? 0));

  const rows: Row[] = [];
  const perUser: Record<string, Float64Array> = {};
  const out: Record<string, unknown> = {};
  let ds: ReturnType<typeof loadDatasetFromSpec> | null = null;
  for (const m of methods) {
    const finalDir = benchRunDir(set, m, 0, finalTag);
    const final = loadRun(finalDir);
    ds ??= loadDatasetFromSpec(final.config.dataset);
    const valid = validUsers > 0 ? ds.valid.slice(-validUsers) : ds.valid;
    const selDir = benchRunDir(set, m, 0, selectTag);
    const validScores: Partial<Record<TokenScoring, number>> = {};
    let chosen: TokenScoring = 'full';
    const selected = existsSync(join(selDir, 'model.safetensors'));
    if (selected) {
      const sel = loadRun(selDir);
      for (const sc of SCORINGS) {
        const r = evaluateModel(sel.model, valid, { ...evalSettings(sel.config), scoring: sc });
        validScores[sc] = r.mean['ndcg@10'];
        console.error(
          `[bench scoring] ${m} validation (${valid.length} rows), ${sc}: NDCG@10 ${r.mean['ndcg@10'].toFixed(4)}`,
        );
      }
      sel.model.dispose();
      chosen = (validScores.valid ?? -1) > (validScores.full ?? -1) ? 'valid' : 'full';
    }
    const test = evaluateModel(final.model, ds.test, { ...evalSettings(final.config), scoring: chosen });
    final.model.dispose();
    perUser[m] = test.perUser['ndcg@10'];
    const row: Row = {
      method: m,
      'valid full': validScores.full ?? null,
      'valid valid': validScores.valid ?? null,
      chosen: selected ? chosen : `${chosen} (default)`,
      'ndcg@5': test.mean['ndcg@5'],
      'ndcg@10': test.mean['ndcg@10'],
      'hr@5': test.mean['hr@5'],
      'hr@10': test.mean['hr@10'],
    };
    rows.push(row);
    out[m] = { ...row, selectRun: selDir, finalRun: finalDir };
  }
  const cols = [
    { key: 'method' },
    { key: 'valid full', header: 'valid NDCG@10 (full)', decimals: 4 },
    { key: 'valid valid', header: 'valid NDCG@10 (valid)', decimals: 4 },
    { key: 'chosen' },
    ...['ndcg@5', 'ndcg@10', 'hr@5', 'hr@10'].map((key) => ({ key, decimals: 4, best: 'max' as const })),
  ];
  console.log(`\n${set}: decoding distribution chosen on validation, test with the choice (seed 0)`);
  console.log(formatConsoleTable(rows, cols));
  console.log('\n' + formatMarkdownTable(rows, cols));
  const comparisons: Record<string, unknown> = {};
  for (let i = 0; i < methods.length; i++) {
    for (let j = i + 1; j < methods.length; j++) {
      const [a, b] = [methods[j], methods[i]];
      const bs = pairedBootstrap(perUser[a], perUser[b], { resamples: 1000, seed: 0 });
      comparisons[`${a} vs ${b}`] = bs;
      console.log(
        `NDCG@10 ${a} − ${b} (paired bootstrap over ${perUser[a].length} test users): ${bs.diff.toFixed(4)} [${bs.lo.toFixed(4)}, ${bs.hi.toFixed(4)}] → ${bs.verdict}`,
      );
    }
  }
  const result = { set, selectTag, finalTag, validUsers, methods: out, comparisons };
  writeJsonAtomicSync(join('runs', 'bench', `scoring-${set}-${Date.now()}.json`), {
    codeVersion: codeVersion().string,
    result,
  });
  return result;
}
