// The list task end to end (src/pipeline/list/run.ts, the tiny preset on a slice of embedded:genre-drift?task=list,
// temporary run directories): SFT on target lists, then GRPO / DPO / S-DPO / List-DPO alignment runs from it, each
// writing results.json with every list metric; bad input refused with clear messages before any run directory is
// touched; and one CLI smoke test (genrec train --task list, then genrec eval --list.decoder sample --list.bestOf 2).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setNumThreads } from '../src/engine/index.js';
import { LIST_SPEC, listConfig } from './list-run-fixture.js';
import type { ListDataset } from '../src/data/types.js';
import { loadDataset } from '../src/data/index.js';
import { resolveRunConfig, type RunConfig } from '../src/pipeline/config.js';
import { loadListDatasetFromSpec } from '../src/pipeline/dataset.js';
import { runListExperiment } from '../src/pipeline/list/run.js';
import { runExperiment } from '../src/pipeline/run.js';

setNumThreads(1);
const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'src', 'cli', 'main.js');
const quiet = (): void => undefined;

const SPEC = LIST_SPEC;
const METRICS = ['recall@3', 'recall@5', 'recall@10', 'ndcg@3', 'ndcg@5', 'ndcg@10', 'mgu', 'ild'];

/** A slice of a list data set (its fingerprint is the full set's: runs on the same slice agree on the data). */
function slice(ds: ListDataset): ListDataset {
  return { ...ds, train: ds.train.slice(0, 192), valid: ds.valid.slice(-16), test: ds.test.slice(0, 24) };
}

const ALIGN = { prompts: 32, validPrompts: 8, groupSize: 4, negatives: 2, lr: 1e-4, epochs: 1, batchPrompts: 16 };

interface Results {
  task: string;
  config: RunConfig;
  metrics: { test: Record<string, number>; references: Record<string, Record<string, number>>; unavailable: object };
  training: { alignment?: Record<string, number | string>; history: unknown[] };
  perUser: { test: Record<string, (number | null)[]> };
}

const readResults = (dir: string): Results => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

function checkResults(dir: string, objective: string, users: number): Results {
  const r = readResults(dir);
  assert.equal(r.task, 'list');
  assert.equal(r.config.objective, objective);
  const t = r.metrics.test;
  for (const m of METRICS) assert.ok(Number.isFinite(t[m]) && t[m] >= 0, `${objective}: metrics.test.${m} = ${t[m]}`);
  for (const k of [3, 5, 10]) {
    assert.ok(t[`recall@${k}`] <= 1 && t[`ndcg@${k}`] <= 1, `${objective}@${k} in [0, 1]`);
  }
  assert.ok(t['recall@3'] <= t['recall@5'] && t['recall@5'] <= t['recall@10'], `${objective}: recall grows with K`);
  assert.equal(t.invalid, 0, `${objective}: invalid`);
  assert.equal(t.repeated, 0, `${objective}: repeated`);
  assert.equal(t.inHistory, 0, `${objective}: history excluded`);
  assert.deepEqual(r.metrics.unavailable, {}, 'genre-drift has genres');
  assert.equal(r.perUser.test['ndcg@10'].length, users);
  for (const m of METRICS) assert.ok(Number.isFinite(r.metrics.references['most-popular'][m]), `most-popular ${m}`);
  assert.ok(existsSync(join(dir, 'model.safetensors')));
  return r;
}

describe('list runs', () => {
  let root = '';
  let ds: ListDataset;
  let sftDir = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'genrec-list-run-'));
    ds = slice(loadListDatasetFromSpec(SPEC));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('SFT on target lists writes results with every list metric, the model sized for the lists', async () => {
    sftDir = join(root, 'sft');
    const cfg = listConfig(sftDir);
    assert.equal(cfg.model.responseItems, 10, 'resolveRunConfig sizes the model for list.listLength');
    const out = await runListExperiment(cfg, { data: ds, log: quiet });
    assert.equal(out.dir, sftDir);
    assert.equal(out.test.lists.length, ds.test.length);
    for (const l of out.test.lists) assert.equal(new Set(l).size, 10, 'ten distinct items');
    const r = checkResults(sftDir, 'sft', ds.test.length);
    assert.equal(r.training.alignment, undefined);
    assert.equal(r.training.history.length, 1);
    assert.match(out.table, /most-popular/);
  });

  it('GRPO from the SFT run: results with the alignment throughput (rollouts vs updates)', async () => {
    const dir = join(root, 'grpo');
    const lines: string[] = [];
    const out = await runListExperiment(listConfig(dir, { objective: 'grpo', align: { ...ALIGN, init: sftDir } }), {
      data: ds,
      log: (l) => lines.push(l),
    });
    const r = checkResults(dir, 'grpo', ds.test.length);
    const a = r.training.alignment!;
    assert.equal(a.method, 'grpo');
    assert.equal(a.prompts, 32);
    for (const k of ['rolloutSeconds', 'updateSeconds', 'rolloutListsPerSec', 'rolloutTokensPerSec', 'modelCalls'])
      assert.ok(typeof a[k] === 'number' && Number.isFinite(a[k]) && (a[k] as number) > 0, `alignment.${k} = ${a[k]}`);
    // 32 prompts × G = 4 lists in rollouts
    assert.ok(Math.abs((a.rolloutListsPerSec as number) * (a.rolloutSeconds as number) - 128) < 1e-6);
    assert.deepEqual(out.alignment, a);
    // the run is the init run's model and identifiers
    assert.deepEqual(r.config.model, readResults(sftDir).config.model);
    assert.ok(
      lines.some((l) => l.startsWith('[grpo] batch')),
      'per-batch GRPO lines',
    );
    assert.ok(lines.some((l) => l.startsWith(`align: grpo from ${sftDir}`)));
  });

  for (const method of ['dpo', 'sdpo', 'listdpo'] as const) {
    it(`${method} from the SFT run: warm-up, preference records, results`, async () => {
      const dir = join(root, method);
      const lines: string[] = [];
      await runListExperiment(listConfig(dir, { objective: method, align: { ...ALIGN, init: sftDir } }), {
        data: ds,
        log: (l) => lines.push(l),
      });
      const r = checkResults(dir, method, ds.test.length);
      const a = r.training.alignment!;
      assert.equal(a.method, method);
      assert.ok((a.preferenceSeconds as number) > 0 && (a.warmupSeconds as number) > 0);
      const each = method === 'dpo' ? 1 : method === 'sdpo' ? 2 : 4;
      assert.ok(
        lines.includes(
          `align: 32 preference records (${each} sampled lists each) in ${(a.preferenceSeconds as number).toFixed(1)}s`,
        ),
        lines.filter((l) => l.includes('preference')).join('\n'),
      );
    });
  }

  // ---- bad input ------------------------------------------------------------------------------------------------

  it('a list spec on sequences whose users are all too short fails naming the file and the requirement', async () => {
    const data = join(root, 'short-data');
    mkdirSync(data);
    const line = (u: number, n: number): string =>
      JSON.stringify({
        user: u,
        items: Array.from({ length: n }, (_, i) => 100 + i),
        timestamps: Array.from({ length: n }, (_, i) => i),
      });
    writeFileSync(join(data, 'sequences.jsonl'), [line(1, 7), line(2, 12)].join('\n') + '\n');
    writeFileSync(
      join(data, 'items.jsonl'),
      Array.from({ length: 12 }, (_, i) => JSON.stringify({ item: 100 + i, title: `t${i}` })).join('\n') + '\n',
    );
    const out = join(root, 'short-run');
    await assert.rejects(
      runListExperiment(listConfig(out, { dataset: `sequences:${data}?task=list` }), { log: quiet }),
      (e: Error) => {
        assert.match(e.message, /sequences\.jsonl/);
        assert.match(e.message, /no user has the minLength 20 = history 10 \+ targets 10 interactions/);
        assert.match(e.message, /longest of the 2 sequences has 12/);
        return true;
      },
    );
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it("align.reward 'mgu' / 'fair' on data without genres fails: needs item genres", async () => {
    const plainSpec = `${SPEC}&genres=false`;
    const plain = slice(loadListDatasetFromSpec(plainSpec));
    for (const reward of ['mgu', 'fair']) {
      const out = join(root, `no-genres-${reward}`);
      await assert.rejects(
        runListExperiment(
          listConfig(out, { dataset: plainSpec, objective: 'grpo', align: { ...ALIGN, init: sftDir, reward } }),
          { data: plain, log: quiet },
        ),
        new RegExp(`reward '${reward}' needs item genres; data set genre-drift has none`),
      );
      assert.equal(existsSync(out), false);
    }
  });

  it('align.init of a next-item run or of a run on other data is refused, naming align.init and the difference', async () => {
    // a next-item run (tiny preset, a slice of office-mini, one epoch)
    const nextDir = join(root, 'next-item');
    const full = loadDataset({ format: 'embedded' });
    await runExperiment(
      resolveRunConfig([
        {
          value: {
            preset: 'tiny',
            out: nextDir,
            objective: 'sft',
            threads: 1,
            refit: false,
            trainer: { epochs: 1, logIntervalSec: 0 },
            eval: { validUsers: 8, beamWidth: 5, ks: [1, 5], chunkUsers: 8 },
          },
          source: 'test',
        },
      ]),
      {
        data: { ...full, train: full.train.slice(0, 128), valid: full.valid.slice(0, 8), test: full.test.slice(0, 8) },
        log: quiet,
      },
    );
    const out = join(root, 'bad-init');
    await assert.rejects(
      runListExperiment(listConfig(out, { objective: 'grpo', align: { ...ALIGN, init: nextDir } }), {
        data: ds,
        log: quiet,
      }),
      (e: Error) => {
        assert.match(e.message, /align\.init/);
        assert.ok(e.message.includes(nextDir), e.message);
        assert.match(e.message, /task 'next-item'/);
        return true;
      },
    );
    assert.equal(existsSync(out), false);
    // the SFT run was trained on genre-drift's default windows; stride 5 is other data
    const strideSpec = `${SPEC}&stride=5`;
    const other = slice(loadListDatasetFromSpec(strideSpec));
    assert.notEqual(other.fingerprint, ds.fingerprint);
    await assert.rejects(
      runListExperiment(listConfig(out, { dataset: strideSpec, objective: 'dpo', align: { ...ALIGN, init: sftDir } }), {
        data: other,
        log: quiet,
      }),
      (e: Error) => {
        assert.match(e.message, /align\.init/);
        assert.match(e.message, /other data/);
        assert.ok(e.message.includes(ds.fingerprint) && e.message.includes(other.fingerprint), e.message);
        return true;
      },
    );
    assert.equal(existsSync(out), false);
  });

  it('alignment objectives need --task list and --align.init', async () => {
    for (const objective of ['grpo', 'dpo', 'sdpo', 'listdpo']) {
      assert.throws(
        () => resolveRunConfig([{ value: { preset: 'tiny', objective }, source: 'flags' }]),
        new RegExp(`objective '${objective}' aligns a list-task model: it needs --task list`),
      );
    }
    const out = join(root, 'no-init');
    await assert.rejects(
      runListExperiment(listConfig(out, { objective: 'grpo' }), { data: ds, log: quiet }),
      /objective 'grpo' aligns a trained list run: give it with --init RUN_DIR \(or --align\.init RUN_DIR\)/,
    );
    assert.equal(existsSync(out), false);
  });
});

describe('list task CLI', () => {
  it('genrec train --task list, then genrec eval --list.decoder sample --list.bestOf 2 --out', () => {
    const root = mkdtempSync(join(tmpdir(), 'genrec-list-cli-'));
    try {
      const dir = join(root, 'run');
      const tr = spawnSync(
        process.execPath,
        [
          cli,
          'train',
          '--task',
          'list',
          '--dataset',
          SPEC,
          '--preset',
          'tiny',
          '--objective',
          'sft',
          '--out',
          dir,
          '--threads',
          '1',
          '--select',
          'false',
          '--trainer.epochs',
          '1',
          '--trainer.logIntervalSec',
          '0',
        ],
        { encoding: 'utf8' },
      );
      assert.equal(tr.status, 0, tr.stderr);
      assert.match(tr.stdout, /most-popular/);
      assert.match(tr.stdout, new RegExp(`results: ${dir}/results\\.json`));
      const trained = checkResults(dir, 'sft', 189);
      const file = join(root, 'eval.json');
      const ev = spawnSync(
        process.execPath,
        [cli, 'eval', '--run', dir, '--list.decoder', 'sample', '--list.bestOf', '2', '--out', file],
        { encoding: 'utf8' },
      );
      assert.equal(ev.status, 0, ev.stderr);
      assert.match(ev.stdout, /best of 2 samples by oracle/);
      const e = JSON.parse(readFileSync(file, 'utf8')) as {
        kind: string;
        task: string;
        split: string;
        metrics: { test: Record<string, number> };
        speed: { listsDecoded: number };
        dataset: { protocol: string };
      };
      assert.equal(e.kind, 'eval');
      assert.equal(e.task, 'list');
      assert.equal(e.split, 'test');
      assert.equal(e.speed.listsDecoded, 2 * 189);
      assert.match(e.dataset.protocol, /best of 2 samples by oracle/);
      for (const m of METRICS) assert.ok(Number.isFinite(e.metrics.test[m]), `eval ${m}`);
      assert.equal(e.metrics.test.invalid, 0);
      // the oracle's best of 2 samples against greedy lists: not a fixed relation per user, but both are list metrics
      assert.ok(Number.isFinite(trained.metrics.test['ndcg@10']));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
