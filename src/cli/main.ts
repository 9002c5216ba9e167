#!/usr/bin/env node
// genrec command line: a thin shell over the library API (src/pipeline).
//
//   genrec demo                         train the tiny preset on the embedded data set, print metrics
//   genrec train [--config f.json] [--section.key value ...]
//   genrec eval --run DIR [--split test|valid] [--eval.beamWidth 10] [--out results.json]
//   genrec recommend --run DIR --history "<raw id>,<raw id>,..." [--k 10]
//   genrec diagnose --run DIR [--split test] [--users N]   BEAR's pruning diagnostics (PR@K, exact vs beam)
//   genrec prepare [--dataset spec] [--ids.vocabSize N]     data + identifier statistics
//   genrec index [--dataset spec] [--embeddings.* ...] [--sid.* ...] [--out file.json]   build + save semantic IDs
//   genrec config                       every configuration key with its default and documentation
import { RunConfigDef, resolveRunConfig, type RunConfig } from '../pipeline/config.js';
import { runExperiment, loadRun, evalSettings } from '../pipeline/run.js';
import { loadDatasetFromSpec } from '../pipeline/dataset.js';
import { evalMetricNames, evaluateModel } from '../pipeline/evaluate.js';
import { recommend } from '../pipeline/recommend.js';
import { applyThreads } from '../pipeline/threads.js';
import { datasetStats } from '../data/index.js';
import { buildTitleIdentifier } from '../ids/index.js';
import { formatConsoleTable } from '../report/table.js';
import { modelPruningDiagnostics } from '../eval/pruning.js';
import { buildSidIndexFile } from '../pipeline/sid-index.js';
import { writeResults } from '../report/results.js';
import { progressCallback } from '../util/progress.js';

const USAGE = `usage: genrec <demo|train|eval|recommend|diagnose|prepare|config> [options]
  demo                       train the tiny preset on the embedded data set and print a metrics table
  train   [--config f.json] [--key value ...]   train and evaluate (keys: see 'genrec config')
  eval    --run DIR [--split test|valid] [--eval.beamWidth B] [--out f.json]
                             (--out: full-precision and per-user metrics with config, data set and code version)
  recommend --run DIR --history "id1,id2,..." [--k 10]
  diagnose --run DIR [--split test|valid] [--users N]  pruning rate PR@K, necessary condition, exact vs beam
  prepare [--dataset spec] [--ids.vocabSize N]  data set and identifier statistics
  index   [--dataset spec] [--embeddings.sources text,cooc] [--sid.quantizer rkmeans|rqvae] [--out f.json]
                             build a semantic-ID index and save it (train against it: --identifier sid --sidIndex f.json)
  config                     all configuration keys, defaults and documentation`;

/** Splits argv into --key value flags (dotted keys allowed) and positional arguments. */
function parseFlags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (options are --key value)`);
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}

function take(flags: Record<string, string>, key: string): string | undefined {
  const v = flags[key];
  delete flags[key];
  return v;
}

function configFrom(flags: Record<string, string>, base: Record<string, unknown> = {}): RunConfig {
  const layers: { value: unknown; source: string }[] = [{ value: base, source: 'command defaults' }];
  const file = take(flags, 'config');
  if (file) layers.push({ value: RunConfigDef.load(file), source: file });
  layers.push({ value: RunConfigDef.fromFlags(flags, 'command line'), source: 'command line' });
  return resolveRunConfig(layers);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const flags = parseFlags(rest);
  switch (cmd) {
    case 'demo': {
      const cfg = configFrom(flags, { preset: 'tiny', dataset: 'embedded:office-mini', out: 'runs/demo' });
      const r = await runExperiment(cfg, { resume: false });
      console.log(
        `\ngenrec demo — ${cfg.dataset}, test set (${r.test.n} users), ${cfg.objective}, tiny preset, beam ${cfg.eval.beamWidth}`,
      );
      console.log(r.table);
      console.log(`results: ${r.dir}/results.json`);
      return;
    }
    case 'train': {
      const resume = take(flags, 'resume') === 'true';
      const cfg = configFrom(flags);
      const r = await runExperiment(cfg, { resume });
      console.log(r.table);
      console.log(`results: ${r.dir}/results.json`);
      return;
    }
    case 'eval': {
      const dir = take(flags, 'run');
      if (!dir) throw new Error('eval: --run DIR is required');
      const split = take(flags, 'split') ?? 'test';
      if (split !== 'test' && split !== 'valid') throw new Error(`eval: --split must be test or valid, got '${split}'`);
      const out = take(flags, 'out');
      if (out === '') throw new Error('eval: --out needs a file name');
      const run = loadRun(dir);
      const cfg = RunConfigDef.merge(run.config, RunConfigDef.fromFlags(flags, 'command line'), 'command line');
      applyThreads(cfg.threads);
      const ds = loadDatasetFromSpec(cfg.dataset);
      const r = evaluateModel(run.model, ds[split], evalSettings(cfg), progressCallback(split, ds[split].length));
      const keys = evalMetricNames(cfg.eval.ks);
      console.log(
        formatConsoleTable(
          [{ split, users: r.n, ...Object.fromEntries(keys.map((k) => [k, r.mean[k]])), 'users/s': r.usersPerSec }],
          ['split', 'users', ...keys.map((k) => ({ key: k, decimals: 4 })), { key: 'users/s', decimals: 1 }],
        ),
      );
      if (out) {
        // full precision and the per-user figures (for paired comparisons), with what produced them
        await writeResults(out, {
          kind: 'eval',
          config: cfg,
          run: dir,
          split,
          dataset: {
            name: ds.name,
            fingerprint: ds.fingerprint,
            protocol: `${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}; ${split}: constrained beam search B=${cfg.eval.beamWidth}, length penalty 0, scoring ${cfg.eval.scoring}`,
          },
          metrics: { [split]: r.mean },
          perUser: { [split]: r.perUser },
          speed: { usersPerSec: r.usersPerSec, seconds: r.seconds },
        });
        console.log(`results: ${out}`);
      }
      return;
    }
    case 'recommend': {
      const dir = take(flags, 'run');
      const hist = take(flags, 'history');
      const k = Number(take(flags, 'k') ?? 10);
      if (!dir || hist === undefined) throw new Error('recommend: --run DIR and --history "id1,id2,..." are required');
      if (Object.keys(flags).length) throw new Error(`recommend: unknown option --${Object.keys(flags)[0]}`);
      const run = loadRun(dir);
      const ds = loadDatasetFromSpec(run.config.dataset);
      const byRaw = new Map(ds.items.map((it) => [it.rawId, it.index]));
      const items = hist
        .split(',')
        .filter((s) => s.trim() !== '')
        .map((raw) => {
          const i = byRaw.get(raw.trim());
          if (i === undefined) throw new Error(`recommend: unknown item id '${raw.trim()}'`);
          return i;
        });
      applyThreads(run.config.threads);
      const [hyps] = recommend(run.model, [items], {
        beamWidth: Math.max(k, run.config.eval.beamWidth),
        topK: k,
        chunkUsers: 1,
        scoring: run.config.eval.scoring,
      });
      console.log(
        formatConsoleTable(
          hyps.map((h, r) => ({
            rank: r + 1,
            id: ds.items[h.item].rawId,
            'log p': h.logProb,
            title: ds.items[h.item].title,
          })),
          ['rank', 'id', { key: 'log p', decimals: 3 }, 'title'],
        ),
      );
      return;
    }
    case 'diagnose': {
      const dir = take(flags, 'run');
      if (!dir) throw new Error('diagnose: --run DIR is required');
      const split = take(flags, 'split') ?? 'test';
      if (split !== 'test' && split !== 'valid')
        throw new Error(`diagnose: --split must be test or valid, got '${split}'`);
      const users = Number(take(flags, 'users') ?? 0);
      const run = loadRun(dir);
      const cfg = RunConfigDef.merge(run.config, RunConfigDef.fromFlags(flags, 'command line'), 'command line');
      applyThreads(cfg.threads);
      const ds = loadDatasetFromSpec(cfg.dataset);
      const ex = users > 0 ? ds[split].slice(0, users) : ds[split];
      const r = modelPruningDiagnostics(
        run.model,
        ex,
        {
          beamWidth: cfg.eval.beamWidth,
          ks: cfg.eval.ks,
          chunkUsers: cfg.eval.chunkUsers,
          scoring: cfg.eval.scoring,
        },
        progressCallback('diagnose', ex.length),
      );
      const s = r.summary;
      const rows = cfg.eval.ks.map((k) => {
        const b = s.byK[`pr@${k}`];
        return {
          K: k,
          cases: b.cases,
          pruned: b.pruned,
          [`PR@K`]: b.rate,
          'necessary share': b.necessaryShare,
          'beam NDCG@K': s.beam[`ndcg@${k}`],
          'exact NDCG@K': s.exact[`ndcg@${k}`],
          'beam HR@K': s.beam[`hr@${k}`],
          'exact HR@K': s.exact[`hr@${k}`],
        };
      });
      console.log(
        `${dir}: ${split}, ${s.users} users, beam ${s.beamWidth}, scoring ${cfg.eval.scoring}; exact search expanded ${s.meanExpansions.toFixed(0)} of ${s.internalNodes} internal trie nodes per user`,
      );
      const t = s.seconds;
      console.log(
        `seconds: ${t.total.toFixed(1)} (beam search ${t.beam.toFixed(1)}, sibling ranks ${t.ranks.toFixed(1)}, witness pool ${t.pool.toFixed(1)}, exact search ${t.exact.toFixed(1)} for ${s.searchedUsers} users)`,
      );
      console.log(
        formatConsoleTable(rows, [
          'K',
          'cases',
          'pruned',
          { key: 'PR@K', decimals: 3 },
          { key: 'necessary share', decimals: 3 },
          { key: 'beam NDCG@K', decimals: 4 },
          { key: 'exact NDCG@K', decimals: 4 },
          { key: 'beam HR@K', decimals: 4 },
          { key: 'exact HR@K', decimals: 4 },
        ]),
      );
      console.log(JSON.stringify({ run: dir, split, ...s }));
      return;
    }
    case 'index': {
      const cfg = configFrom(flags);
      const r = buildSidIndexFile(cfg, { out: cfg.out, log: (l) => console.error(l) });
      const s = r.ids.stats;
      console.log(
        JSON.stringify(
          {
            index: r.path,
            dataset: r.index.dataset,
            embeddings: { source: r.index.embeddings.source, fingerprint: r.index.embeddings.fingerprint },
            seconds: Number(r.seconds.toFixed(2)),
            stats: s,
          },
          null,
          2,
        ),
      );
      console.error(`genrec index: wrote ${r.path}; train against it with --identifier sid --sidIndex ${r.path}`);
      return;
    }
    case 'prepare': {
      const cfg = configFrom(flags);
      const ds = loadDatasetFromSpec(cfg.dataset);
      console.log(
        JSON.stringify(
          {
            dataset: ds.name,
            fingerprint: ds.fingerprint,
            protocol: ds.protocol,
            stats: datasetStats(ds),
            log: ds.log,
          },
          null,
          2,
        ),
      );
      const ids = buildTitleIdentifier(ds.items, cfg.ids);
      console.log(JSON.stringify({ identifiers: 'title', vocabSize: ids.vocabSize, ...ids.stats }, null, 2));
      return;
    }
    case 'config':
      console.log(RunConfigDef.docs());
      return;
    default:
      console.error(USAGE);
      process.exit(cmd ? 2 : 0);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`genrec: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.GENREC_DEBUG && e instanceof Error) console.error(e.stack);
  process.exit(1);
});
