#!/usr/bin/env node
// genrec command line: a thin shell over the library API (src/pipeline).
//
//   genrec demo                         train the tiny preset on the embedded data set, print metrics
//   genrec train [--config f.json] [--section.key value ...]
//   genrec eval --run DIR [--split test|valid] [--eval.beamWidth 10] [--out results.json]
//   genrec recommend --run DIR --history "<raw id>,<raw id>,..." [--k 10]
//   genrec serve --run DIR [--config serve.json] [--port 8080] [--key value ...]   HTTP service (src/server)
//   genrec diagnose --run DIR [--split test] [--users N]   BEAR's pruning diagnostics (PR@K, exact vs beam)
//   genrec prepare [--dataset spec] [--ids.vocabSize N]     data + identifier statistics
//   genrec index [--dataset spec] [--embeddings.* ...] [--sid.* ...] [--out file.json]   build + save semantic IDs
//   genrec report RUN... [--out report.html] [--user N] [--tree false]   one self-contained HTML report of the runs
//   genrec config                       every configuration key with its default and documentation
import { evalSettings, RunConfigDef, resolveRunConfig, type RunConfig } from '../pipeline/config.js';
import { runExperiment } from '../pipeline/run.js';
import { runListExperiment } from '../pipeline/list/run.js';
import { evaluateListRun } from '../pipeline/list/eval-run.js';
import { perUserForJson } from '../pipeline/list/evaluate.js';
import { loadRun, checkRunData, loadRunWithCatalogue, runValue, type LoadedRun } from '../pipeline/load-run.js';
import { describeUnresolved } from '../pipeline/catalogue.js';
import { resolveDecoding } from '../pipeline/decoding.js';
import { resolveServeConfig, ServeConfigDef } from '../server/config.js';
import { exitOnSignals, serveRun } from '../server/start.js';
import { parseCommandArgs, type CommandSpec, type ParsedArgs } from '../util/argv.js';
import { loadDatasetFromSpec } from '../pipeline/dataset.js';
import { evalMetricNames } from '../pipeline/evaluate.js';
import { getTask } from '../pipeline/tasks/registry.js';
import { recommend } from '../pipeline/recommend.js';
import { applyThreads } from '../pipeline/threads.js';
import { datasetStats } from '../data/index.js';
import { buildTitleIdentifier } from '../ids/index.js';
import { formatConsoleTable } from '../report/table.js';
import { modelPruningDiagnostics } from '../eval/pruning/model.js';
import { buildSidIndexFile } from '../pipeline/sid-index.js';
import { writeResults } from '../report/results.js';
import { progressCallback } from '../util/progress.js';
import { buildReport, writeReport } from '../experiment/report.js';
import { availableParallelism } from 'node:os';

const USAGE = `usage: genrec <command> [options]
  demo                       train the tiny preset on the embedded data set and print a metrics table
  train   [--config f.json] [--key value ...] [--resume true] [--overwrite true] [--init RUN]
                             train and evaluate (keys: see 'genrec config'); --resume continues the unfinished run in
                             --out, --overwrite replaces a finished one (kept intact until the new run completes);
                             --task list: lists of K items (--objective sft | msl from scratch; grpo | dpo | sdpo |
                             listdpo | bon | blade align the trained list run --init RUN, the same as --align.init RUN)
  eval    --run DIR [--split test|valid] [--eval.beamWidth B] [--out f.json] [--allow-data-change true]
                             (--out: full-precision and per-user metrics with config, data set and code version)
  recommend --run DIR --history "id1,id2,..." [--k K] [--threads N] [--allow-data-change true]
                             (decoder and its settings from the run's eval config; K defaults to max(eval.ks))
  serve   --run DIR [--config serve.json] [--port 8080] [--host 127.0.0.1] [--key value ...]
                             HTTP recommendation service (keys: see 'genrec config serve'; README "Serve")
  diagnose --run DIR [--split test|valid] [--users N]  pruning rate PR@K, necessary condition, exact vs beam
  prepare [--dataset spec] [--ids.vocabSize N]  data set and identifier statistics
  index   [--dataset spec] [--embeddings.sources text,cooc] [--sid.quantizer rkmeans|rqvae] [--out f.json]
                             build a semantic-ID index and save it (train against it: --identifier sid --sidIndex f.json)
  report  RUN... [--out report.html] [--user N] [--tree true|false] [--title T] [--threads N] [--allow-data-change true]
                             one self-contained HTML file (opens offline) comparing the runs side by side (seeds of
                             one configuration form a column): configuration, data set, code version, training curves,
                             test metrics (mean ± std and bootstrap CI over seeds), cached pruning diagnostics, list
                             metrics, and the beam tree of test row --user (default 0; --tree false skips decoding)
  config  [serve]            all configuration keys, defaults and documentation (of the run, or of serve)
  help                       this text (also --help, -h)`;

const SPLITS = ['test', 'valid'] as const;
const COMMANDS: Record<string, CommandSpec> = {
  demo: { name: 'demo', options: { config: 'string', overwrite: 'bool' }, config: true },
  train: {
    name: 'train',
    options: { config: 'string', resume: 'bool', overwrite: 'bool', init: 'string' },
    config: true,
  },
  eval: {
    name: 'eval',
    options: { config: 'string', run: 'string', split: SPLITS, out: 'string', 'allow-data-change': 'bool' },
    config: true,
  },
  recommend: {
    name: 'recommend',
    options: { run: 'string', history: 'string', k: 'positive', threads: 'count', 'allow-data-change': 'bool' },
    config: false,
  },
  diagnose: {
    name: 'diagnose',
    options: { config: 'string', run: 'string', split: SPLITS, users: 'count', 'allow-data-change': 'bool' },
    config: true,
  },
  serve: { name: 'serve', options: { run: 'string', config: 'string' }, config: true },
  prepare: { name: 'prepare', options: { config: 'string' }, config: true },
  index: { name: 'index', options: { config: 'string' }, config: true },
  report: {
    name: 'report',
    options: {
      out: 'string',
      user: 'count',
      tree: 'bool',
      title: 'text',
      threads: 'count',
      'allow-data-change': 'bool',
    },
    config: false,
    positional: { name: 'RUN', min: 1 },
  },
  config: { name: 'config', options: {}, config: false },
};

/** The run configuration from the command's defaults, `--config FILE` and the configuration flags. */
function configFrom(args: ParsedArgs, base: Record<string, unknown> = {}): RunConfig {
  const layers: { value: unknown; source: string }[] = [{ value: base, source: 'command defaults' }];
  const file = args.options.config as string | undefined;
  if (file) layers.push({ value: RunConfigDef.load(file), source: file });
  layers.push({ value: flagLayer(args), source: 'command line' });
  return resolveRunConfig(layers);
}

/** The configuration flags as one layer (positional words left over are an error). */
function flagLayer(args: ParsedArgs): unknown {
  const { overrides, positional } = RunConfigDef.fromArgv(args.configArgv, 'command line');
  if (positional.length) throw new Error(`unexpected argument '${positional[0]}' (options are --name value)`);
  return overrides;
}

/**
 * A stored run's configuration as a base for this machine: its thread count is a setting of the machine it was
 * trained on, so one above this machine's cores becomes the automatic choice (with a note) instead of an error.
 * Whatever the command line then sets (--threads, --config) is the user's own and checked as given.
 */
function storedConfig(run: LoadedRun): RunConfig {
  const cores = availableParallelism();
  if (run.config.threads <= cores) return run.config;
  console.error(
    `threads: the run was trained with ${run.config.threads} threads, this machine has ${cores} cores; choosing automatically (--threads N sets it)`,
  );
  return { ...run.config, threads: 0 };
}

/** A stored run with the configuration flags of this command (e.g. --eval.beamWidth) applied on top. */
function runConfigWithFlags(args: ParsedArgs, run: LoadedRun): RunConfig {
  let cfg = storedConfig(run);
  const file = args.options.config as string | undefined;
  if (file) cfg = RunConfigDef.merge(cfg, RunConfigDef.load(file), file);
  return RunConfigDef.merge(cfg, flagLayer(args), 'command line');
}

async function evalListRun(
  run: LoadedRun,
  cfg: RunConfig,
  split: (typeof SPLITS)[number],
  out: string | undefined,
  allowDataChange: boolean,
): Promise<void> {
  const e = evaluateListRun(run, cfg, split, allowDataChange);
  console.log(e.table);
  if (out) {
    const perUser = perUserForJson(e.result.perUser);
    await writeResults(out, {
      kind: 'eval',
      task: 'list',
      config: cfg,
      run: run.runId ?? undefined,
      split,
      dataset: e.dataset,
      metrics: { [split]: e.result.mean, references: { 'most-popular': e.popular }, unavailable: e.result.unavailable },
      perUser: { [split]: perUser },
      speed: {
        usersPerSec: e.result.usersPerSec,
        listsPerSec: e.result.listsPerSec,
        listsDecoded: e.result.listsDecoded,
        seconds: e.result.seconds,
      },
    });
    console.log(`results: ${out}`);
  }
}

function required(args: ParsedArgs, cmd: string, name: string, example: string): string {
  const v = args.options[name];
  if (v === undefined) throw new Error(`${cmd}: --${name} ${example} is required`);
  return String(v);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(USAGE);
    return;
  }
  const spec = COMMANDS[cmd];
  if (spec === undefined) {
    console.error(`genrec: unknown command '${cmd}'\n${USAGE}`);
    process.exit(2);
  }
  // `genrec config serve`: the one positional word a command takes
  const args = parseCommandArgs(spec, cmd === 'config' && rest[0] === 'serve' ? rest.slice(1) : rest);
  const opt = args.options;
  switch (cmd) {
    case 'demo': {
      const cfg = configFrom(args, { preset: 'tiny', dataset: 'embedded:office-mini', out: 'runs/demo' });
      // the demo's own directory is scratch space: each demo replaces the last one
      const r = await runExperiment(cfg, {
        resume: false,
        overwrite: (opt.overwrite as boolean | undefined) ?? cfg.out === 'runs/demo',
      });
      console.log(
        `\ngenrec demo — ${cfg.dataset}, test set (${r.test.n} users), ${cfg.objective}, tiny preset, beam ${cfg.eval.beamWidth}`,
      );
      console.log(r.table);
      console.log(`results: ${r.dir}/results.json`);
      return;
    }
    case 'train': {
      // --init RUN: the trained run an alignment starts from (the same as --align.init RUN)
      const init = opt.init as string | undefined;
      const cfg = configFrom(args, init === undefined ? {} : { align: { init } });
      if (cfg.task === 'list') {
        const r = await runListExperiment(cfg, { resume: opt.resume === true, overwrite: opt.overwrite === true });
        console.log(r.table);
        if (r.alignment?.rolloutListsPerSec !== undefined)
          console.log(
            `alignment: rollouts ${r.alignment.rolloutSeconds!.toFixed(1)}s (${r.alignment.rolloutListsPerSec.toFixed(1)} lists/s), updates ${r.alignment.updateSeconds!.toFixed(1)}s`,
          );
        console.log(`results: ${r.dir}/results.json`);
        return;
      }
      const r = await runExperiment(cfg, { resume: opt.resume === true, overwrite: opt.overwrite === true });
      console.log(r.table);
      console.log(`results: ${r.dir}/results.json`);
      return;
    }
    case 'eval': {
      const dir = required(args, 'eval', 'run', 'DIR');
      const split = (opt.split as (typeof SPLITS)[number] | undefined) ?? 'test';
      const out = opt.out as string | undefined;
      const run = loadRun(dir);
      const cfg = runConfigWithFlags(args, run);
      applyThreads(cfg.threads);
      if (cfg.task === 'list') {
        await evalListRun(run, cfg, split, out, opt['allow-data-change'] === true);
        return;
      }
      const ds = loadDatasetFromSpec(cfg.dataset);
      checkRunData(run, ds, opt['allow-data-change'] === true);
      const r = getTask(cfg.task).evaluate(
        run.model,
        ds[split],
        { ...evalSettings(cfg), ...runValue(dir, cfg.eval.decoder) },
        progressCallback(split, ds[split].length),
      );
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
          runId: run.runId ?? undefined,
          split,
          dataset: {
            name: ds.name,
            fingerprint: ds.fingerprint,
            protocol: `${ds.protocol.name} ${JSON.stringify(ds.protocol.params)}; ${split}: ${cfg.eval.decoder === 'beam' ? `constrained beam search B=${cfg.eval.beamWidth}, length penalty 0` : `decoder ${cfg.eval.decoder}`}, scoring ${cfg.eval.scoring}`,
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
      const dir = required(args, 'recommend', 'run', 'DIR');
      const hist = required(args, 'recommend', 'history', '"id1,id2,..."');
      const { run, catalogue } = loadRunWithCatalogue(dir, opt['allow-data-change'] === true);
      const refs = hist
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const resolved = catalogue.resolve(refs, 'id');
      if (resolved.unknown.length) throw new Error(`recommend: ${describeUnresolved(resolved, 'id')}`);
      const { settings } = resolveDecoding(
        run.config.eval,
        { k: opt.k as number | undefined },
        { numItems: catalogue.size, maxBeamWidth: Infinity },
      );
      const threads = opt.threads as number | undefined;
      applyThreads(threads ?? storedConfig(run).threads);
      const [hyps] = recommend(run.model, [resolved.items], { ...settings, ...runValue(dir, settings.decoder) });
      console.log(
        formatConsoleTable(
          hyps.map((h, r) => ({
            rank: r + 1,
            id: catalogue.items[h.item].rawId,
            'log p': h.logProb,
            title: catalogue.items[h.item].title,
          })),
          ['rank', 'id', { key: 'log p', decimals: 3 }, 'title'],
        ),
      );
      return;
    }
    case 'serve': {
      const dir = required(args, 'serve', 'run', 'DIR');
      const file = opt.config as string | undefined;
      const { overrides, positional } = ServeConfigDef.fromArgv(args.configArgv, 'command line');
      if (positional.length)
        throw new Error(`serve: unexpected argument '${positional[0]}' (options are --name value)`);
      const cfg = resolveServeConfig([
        ...(file ? [{ value: ServeConfigDef.load(file), source: file }] : []),
        { value: overrides, source: 'command line' },
      ]);
      const log = (l: string) => console.error(l);
      exitOnSignals(await serveRun(dir, cfg, log), cfg, log);
      return;
    }
    case 'diagnose': {
      const dir = required(args, 'diagnose', 'run', 'DIR');
      const split = (opt.split as (typeof SPLITS)[number] | undefined) ?? 'test';
      const users = (opt.users as number | undefined) ?? 0;
      const run = loadRun(dir);
      const cfg = runConfigWithFlags(args, run);
      applyThreads(cfg.threads);
      if (cfg.task === 'list') {
        throw new Error(
          `diagnose: pruning diagnostics are for next-item runs; ${dir} is a list-task run (genrec eval --run ${dir})`,
        );
      }
      const ds = loadDatasetFromSpec(cfg.dataset);
      checkRunData(run, ds, opt['allow-data-change'] === true);
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
      const cfg = configFrom(args);
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
      const cfg = configFrom(args);
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
    case 'report': {
      const out = (opt.out as string | undefined) ?? 'report.html';
      applyThreads((opt.threads as number | undefined) ?? 0);
      const model = buildReport(args.positional ?? [], {
        user: opt.tree === false ? null : ((opt.user as number | undefined) ?? 0),
        title: (opt.title as string | undefined) ?? 'genrec report',
        allowDataChange: opt['allow-data-change'] === true,
        log: (l) => console.error(l),
      });
      const bytes = writeReport(out, model);
      console.log(`report: ${out} (${(bytes / 1024).toFixed(0)} KiB, ${model.columns.length} column(s))`);
      return;
    }
    case 'config':
      console.log(rest[0] === 'serve' ? ServeConfigDef.docs() : RunConfigDef.docs());
      return;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`genrec: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.GENREC_DEBUG && e instanceof Error) console.error(e.stack);
  process.exit(1);
});
