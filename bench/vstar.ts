// npm run bench -- vstar [--sets amazon-office,amazon-toy] [--runs runs/vstar] [--rewards rank,semantic]
//                        [--prompts 1024] [--testUsers 0] [--probeUsers 300] [--groupSize 16] [--epochs 1]
//                        [--figures docs/figures] [--threads 1]
//
// V-STAR (vstar.md §5) on next-item data in semantic-ID mode, from a supervised run per set
// (<runs>/<set>-sft-s0, trained with `genrec train --dataset windows:../shared/data/<set> --seed 0`, i.e. the epoch count chosen on validation, then a refit on train + valid):
// - Table 4: GRPO on beam candidates (the MiniOneRec-style baseline), GRPO / Sibling-GRPO / joint on VED
//   candidates, for each policy reward; test by beam search (B = 10) and, for the joint model, by VED at the same
//   budget; paired bootstraps of NDCG@10 over test users against the beam-candidate baseline.
// - Table 2–3 at the joint model: beam vs top-K sampling vs VED (rules G, V, H) at equal budget, |C| = G.
// - Fig. 4: budgets 1×–4× (B = G·k), VED vs widened beam: hit rate of C and MaxReward (an inference-time reading of
//   the paper's training-time figure).
// - Table 6: Div(C) and MaxReward with |C| = 64; Fig. 3: Spearman ρ per level of prefix log-probability (SFT,
//   beam+GRPO, V-STAR) and of value (V-STAR) against the mean reward under the prefix, pools of 64 sampled at T = 1.5.
// - VED's time per query against beam search at the same budget.
// One seed per method (the ablation budget); the last line is JSON keyed by set and method.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Example, NextItemDataset } from '../src/data/types.js';
import { beamSearch } from '../src/decode/beam.js';
import { sampleDecode } from '../src/decode/sample.js';
import type { TokenScoring } from '../src/decode/types.js';
import { beamEquivalentBudget, vedDecode, type VedRule } from '../src/decode/ved.js';
import { evaluateRankings, rankingMetricNames } from '../src/eval/metrics.js';
import { manualSeed, noGrad, setNumThreads, tidy } from '../src/engine/index.js';
import { meanDefined, prefixSpearman, sidDiversity } from '../src/eval/candidate-set.js';
import { meanStd, pairedBootstrap } from '../src/eval/stats.js';
import type { GenRecModel } from '../src/model/genrec.js';
import { listTokenRows, responseBatch } from '../src/model/responses.js';
import { headValue, saveValueHead, VALUE_HEAD_FILE, ValueHead } from '../src/model/value-head.js';
import { readCheckpoint, saveCheckpoint } from '../src/engine/checkpoint.js';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { frozenCopy } from '../src/pipeline/list/run.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { alignVstar, type VstarAlignSettings } from '../src/pipeline/vstar/align.js';
import { chartSvg, type ChartSpec } from '../src/report/vega.js';
import { createReward } from '../src/rewards/registry.js';
import { itemSideInfo, type EmbeddingMatrix } from '../src/rewards/side-info.js';
import type { CandidateReward } from '../src/rewards/types.js';
import { buildItemEmbeddings } from '../src/sid/embeddings.js';
import { writeJsonAtomicSync } from '../src/util/atomic.js';
import { Rng } from '../src/util/rng.js';
import { codeVersion } from '../src/util/version.js';
import { benchCommand, smokeRoot, type BenchArgs } from './args.js';

const OPTIONS = {
  sets: 'string',
  runs: 'string',
  rewards: 'string',
  prompts: 'count',
  testUsers: 'count',
  probeUsers: 'count',
  groupSize: 'count',
  epochs: 'count',
  figures: 'string',
  threads: 'count',
  seed: 'count',
  tables: 'bool',
  lr: 'string',
  split: 'string',
  methods: 'string',
  vedBeta: 'string',
  vedWarm: 'count',
  sft: 'string',
  report: 'count',
  valueEpochs: 'count',
  merge: 'bool',
} as const;

/** VED's search settings in the tables and at test time (the paper's λ and warm start; β is not stated there). */
const VED = { lambda: 0.1, beta: 0.5, warmWidth: 8 };

const KS = [3, 5, 10];
const log = (l: string): void => void process.stderr.write(l + '\n');

function budgetOf(model: GenRecModel, B: number): number {
  return beamEquivalentBudget(model.ids.maxCodeLength, B);
}

function rankMetrics(lists: number[][], targets: number[]): { mean: Record<string, number>; ndcg10: Float64Array } {
  const r = evaluateRankings(lists, targets, rankingMetricNames(KS));
  return { mean: r.mean, ndcg10: r.perUser['ndcg@10'] };
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

type SetDecoder = 'beam' | 'topk' | `ved-${VedRule}`;

/** Candidate sets of |C| items per user at the budget of beam width `width` (ordered best first). */
function candidateSets(
  model: GenRecModel,
  head: ValueHead | null,
  users: readonly Example[],
  decoder: SetDecoder,
  C: number,
  width: number,
  scoring: TokenScoring,
): { lists: number[][]; seconds: number; cost: number } {
  const t0 = performance.now();
  const lists: number[][] = [];
  let cost = 0;
  model.eval();
  for (const part of chunks(users, 64))
    tidy(() => {
      const hist = part.map((e) => e.history);
      const input = {
        model: model.stepModel(hist, { hidden: decoder.startsWith('ved') }),
        constraint: model.ids.trie,
        numUsers: part.length,
      };
      if (decoder === 'beam') {
        const h = beamSearch(input, { beamWidth: width, topK: C, lengthPenalty: 0, scoring });
        lists.push(...h.map((x) => x.map((y) => y.item)));
        cost += budgetOf(model, width) * part.length;
      } else if (decoder === 'topk') {
        // top-K sampling (the 8 most likely valid tokens per step), `width` draws, distinct items by log-probability
        const r = sampleDecode(input, { numSamples: width, temperature: 1, topK: 8, seed: 17 + lists.length, scoring });
        for (let u = 0; u < part.length; u++) {
          const seen = new Map<number, number>();
          for (let j = 0; j < width; j++) {
            const k = u * width + j;
            seen.set(r.items[k], r.logProbs[k]);
          }
          lists.push(
            [...seen.entries()]
              .sort((a, b) => b[1] - a[1])
              .slice(0, C)
              .map((e) => e[0]),
          );
        }
        cost += budgetOf(model, width) * part.length;
      } else {
        const res = vedDecode(input, headValue(head!), {
          budget: budgetOf(model, width),
          warmWidth: VED.warmWidth,
          lambda: VED.lambda,
          beta: VED.beta,
          topK: C,
          scoring,
          rule: decoder.slice(4) as VedRule,
          seed: 5,
          firstUser: lists.length,
        });
        lists.push(...res.hypotheses.map((x) => x.map((y) => y.item)));
        cost += res.cost.reduce((a, b) => a + b, 0);
      }
    });
  return { lists, seconds: (performance.now() - t0) / 1000, cost: cost / Math.max(users.length, 1) };
}

function setQuality(
  lists: number[][],
  users: readonly Example[],
  model: GenRecModel,
  semantic: CandidateReward,
): { hitRate: number; maxReward: number; div: number } {
  let hit = 0;
  let mx = 0;
  let div = 0;
  lists.forEach((l, u) => {
    const e = users[u];
    if (l.includes(e.target)) hit++;
    mx += Math.max(...semantic.score({ list: l, targets: [e.target], history: e.history }));
    div += sidDiversity(l.map((i) => Array.from(model.ids.trie.codeOf(i).subarray(0, levelsOf(model)))));
  });
  const n = Math.max(lists.length, 1);
  return { hitRate: hit / n, maxReward: mx / n, div: div / n };
}

function levelsOf(model: GenRecModel): number {
  return (model.ids as unknown as { levels?: number }).levels ?? model.ids.maxCodeLength - 1;
}

/** Fig. 3: per-level Spearman ρ of prefix log-probability (and value) vs mean reward under the prefix. */
function spearmanProbe(
  model: GenRecModel,
  head: ValueHead | null,
  users: readonly Example[],
  semantic: CandidateReward,
  scoring: TokenScoring,
): { logProb: number[]; value: number[] | null } {
  const L = levelsOf(model);
  const lp: number[][] = Array.from({ length: L }, () => []);
  const vv: number[][] = Array.from({ length: L }, () => []);
  model.eval();
  for (const part of chunks(users, 16)) {
    const input = {
      model: model.stepModel(part.map((e) => e.history)),
      constraint: model.ids.trie,
      numUsers: part.length,
    };
    const S = 64;
    const r = sampleDecode(input, { numSamples: S, temperature: 1.5, topK: 0, seed: 23, scoring });
    const items = Array.from(r.items);
    const rows = listTokenRows(
      model.ids,
      items.map((i) => [i]),
    );
    const hist = part.flatMap((e) => Array.from({ length: S }, () => e.history));
    const { logp, hid } = tidy(() =>
      noGrad(() => {
        const rb = responseBatch(model.ids, rows);
        const out = model.forwardTrainHidden(model.encodeHistories(hist), rb.targetIn);
        const l = out.logits.logSoftmax(-1).gather(-1, rb.targets.unsqueeze(-1)).squeeze(-1).toFloat64();
        const h = head !== null ? head.forward(out.hidden).toFloat64() : null;
        return { logp: l, hid: h };
      }),
    );
    const W = rows.width;
    part.forEach((e, u) => {
      const group = items.slice(u * S, (u + 1) * S);
      const rew = semantic.score({ list: group, targets: [e.target], history: e.history });
      const pool = group.map((it, j) => {
        const row = u * S + j;
        const code = Array.from(model.ids.trie.codeOf(it).subarray(0, L));
        const sig: number[] = [];
        let acc = 0;
        for (let t = 0; t < L; t++) sig.push((acc += logp[row * W + t]));
        const val = hid !== null ? Array.from({ length: L }, (_, t) => hid[row * W + t + 1]) : null;
        return { code, reward: rew[j], sig, val };
      });
      // prefix log-probs are exact per prefix; values too (same path states), up to float rounding
      for (let l = 1; l <= L; l++) {
        lp[l - 1].push(
          prefixSpearman(
            pool.map((c) => ({ code: c.code, reward: c.reward, signal: c.sig })),
            l,
          ),
        );
        if (head !== null)
          vv[l - 1].push(
            prefixSpearman(
              dedupeSignals(
                pool.map((c) => ({ code: c.code, reward: c.reward, signal: c.val! })),
                l,
              ),
              l,
            ),
          );
      }
    });
  }
  return {
    logProb: lp.map((x) => meanDefined(x).mean),
    value: head !== null ? vv.map((x) => meanDefined(x).mean) : null,
  };
}

/** Makes candidates sharing a prefix report the first one's signal at that level (float rounding across rows). */
function dedupeSignals<T extends { code: readonly number[]; signal: readonly number[] }>(
  pool: T[],
  level: number,
): T[] {
  const first = new Map<string, number>();
  return pool.map((c) => {
    const key = c.code.slice(0, level).join(',');
    const s = first.get(key);
    if (s === undefined) {
      first.set(key, c.signal[level - 1]);
      return c;
    }
    const sig = [...c.signal];
    sig[level - 1] = s;
    return { ...c, signal: sig };
  });
}

function testLists(
  model: GenRecModel,
  head: ValueHead | null,
  users: readonly Example[],
  scoring: TokenScoring,
  ved: boolean,
) {
  return candidateSets(model, head, users, ved ? 'ved-G' : 'beam', 10, 10, scoring);
}

function sample<T>(xs: readonly T[], n: number, seed: number): T[] {
  if (n >= xs.length) return [...xs];
  const p = new Rng(seed).permutation(xs.length);
  return Array.from(p.subarray(0, n), (i) => xs[i]);
}

/**
 * `--report N`: no training; Table 4 over seeds 0..N−1 from the stored per-set files (mean ± std of each metric, and
 * paired bootstraps over test users of NDCG@10 averaged over the seeds each method has).
 */
function report(root: string, sets: string[], seeds: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const set of sets) {
    const files = Array.from({ length: seeds }, (_, s) => join(root, `bench-vstar-${set}-s${s}.json`)).filter((f) =>
      existsSync(f),
    );
    const runs = files.map(
      (f) => JSON.parse(readFileSync(f, 'utf8')) as SetOut & { perUserNdcg10: Record<string, number[]> },
    );
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.methods)))];
    const table: Record<string, Record<string, string>> = {};
    const perUser: Record<string, Float64Array> = {};
    for (const m of names) {
      const have = runs.filter((r) => r.methods[m] !== undefined);
      const row: Record<string, string> = { seeds: String(have.length) };
      for (const k of KS.flatMap((k) => [`hr@${k}`, `ndcg@${k}`])) {
        const ms = meanStd(have.map((r) => r.methods[m].test[k]));
        row[k] = have.length > 1 ? `${ms.mean.toFixed(4)} ± ${ms.std.toFixed(4)}` : ms.mean.toFixed(4);
      }
      table[m] = row;
      const pu = have.map((r) => r.perUserNdcg10[m]);
      perUser[m] = Float64Array.from(pu[0], (_, u) => pu.reduce((a, x) => a + x[u], 0) / pu.length);
    }
    const boot: Record<string, unknown> = {};
    for (const m of names) {
      const rw = m.split('-').slice(2).join('-').split('+')[0];
      const base = `beam-grpo-${rw}`;
      if (m !== base && perUser[base]) boot[`${m} − ${base}`] = pairedBootstrap(perUser[m], perUser[base]);
      if (m !== 'sft') boot[`${m} − sft`] = pairedBootstrap(perUser[m], perUser.sft);
    }
    for (const [a, b] of [
      ['ved-joint', 'ved-sibling'],
      ['ved-sibling', 'ved-grpo'],
    ])
      for (const rw of ['rank', 'semantic'])
        if (perUser[`${a}-${rw}`] && perUser[`${b}-${rw}`])
          boot[`${a}-${rw} − ${b}-${rw}`] = pairedBootstrap(perUser[`${a}-${rw}`], perUser[`${b}-${rw}`]);
    log(
      `\n## ${set} (${files.length} seed files)\n| method | seeds | ${KS.flatMap((k) => [`HR@${k}`, `NDCG@${k}`]).join(' | ')} |`,
    );
    for (const [m, r] of Object.entries(table))
      log(`| ${m} | ${r.seeds} | ${KS.flatMap((k) => [r[`hr@${k}`], r[`ndcg@${k}`]]).join(' | ')} |`);
    for (const [k, b] of Object.entries(boot) as [string, { diff: number; lo: number; hi: number; verdict: string }][])
      log(`${k}: ${b.diff >= 0 ? '+' : ''}${b.diff.toFixed(4)} [${b.lo.toFixed(4)}, ${b.hi.toFixed(4)}] ${b.verdict}`);
    out[set] = { seeds: files.length, table, bootstrap: boot };
  }
  return out;
}

async function run(args: BenchArgs<typeof OPTIONS>): Promise<Record<string, unknown>> {
  const smoke = args.options.smoke === true;
  if (args.options.report !== undefined && !smoke)
    return {
      sets: report(
        args.options.runs ?? 'runs/vstar',
        (args.options.sets ?? 'amazon-office,amazon-toy').split(','),
        args.options.report,
      ),
      codeVersion: codeVersion().string,
    };
  const root = smoke ? smokeRoot('vstar') : (args.options.runs ?? 'runs/vstar');
  setNumThreads(args.options.threads ?? 1);
  const sets = (args.options.sets ?? (smoke ? 'embedded' : 'amazon-office,amazon-toy')).split(',');
  const rewards = (args.options.rewards ?? 'rank').split(',');
  const G = args.options.groupSize ?? (smoke ? 4 : 16);
  const seed = args.options.seed ?? 0;
  const split = args.options.split ?? 'test';
  if (split !== 'test' && split !== 'valid')
    throw new Error(`bench vstar: --split must be test or valid, got ${split}`);
  const tables = args.options.tables ?? true;
  VED.beta = Number(args.options.vedBeta ?? VED.beta);
  VED.warmWidth = args.options.vedWarm ?? VED.warmWidth;
  const lr = Number(args.options.lr ?? '1e-4');
  if (!(lr > 0)) throw new Error(`bench vstar: --lr must be a positive number, got ${args.options.lr}`);
  const only = args.options.methods?.split(',');
  const out: Record<string, unknown> = {};
  for (const set of sets) {
    const t0 = performance.now();
    const dir = join(root, `${set}-${args.options.sft ?? 'sft'}-s0`);
    // the final files are bench-vstar-<set>-s<seed>.json; any other choice of split, start or value warm-up is named
    const valueEpochs = args.options.valueEpochs ?? 2;
    const variant = `${split === 'valid' ? `-valid-lr${lr}` : ''}${args.options.sft ? `-${args.options.sft}` : ''}${valueEpochs !== 2 ? `-v${valueEpochs}` : ''}`;
    const resultFile = join(root, `bench-vstar-${set}-s${seed}${variant}.json`);
    let sft: GenRecModel;
    let ds: NextItemDataset;
    let scoring: TokenScoring;
    if (smoke) {
      const { runExperiment } = await import('../src/pipeline/run.js');
      const { RunConfigDef } = await import('../src/pipeline/config.js');
      const cfg = RunConfigDef.parse({
        preset: 'tiny',
        identifier: 'sid',
        select: false,
        trainer: { epochs: 1 },
        out: dir,
        threads: 1,
      });
      await runExperiment(cfg, { log: () => {} });
    }
    {
      const r = loadRun(dir);
      sft = r.model;
      ds = loadDatasetFromSpec(r.config.dataset);
      scoring = r.config.eval.scoring;
    }
    log(`[vstar] ${set}: ${ds.items.length} items, ${ds.test.length} test users, SFT ${dir}`);
    const emb = buildItemEmbeddings(ds.items, ds.train, { sources: ['text'] });
    const embeddings: EmbeddingMatrix = { numItems: emb.numItems, dim: emb.dim, data: emb.data };
    const side = itemSideInfo(ds.name, ds.items, embeddings);
    const semantic = createReward('semantic', side, { form: 'vstar-return' }, 'bench vstar');
    if (semantic.scope !== 'candidates') throw new Error('semantic reward has candidate scope');
    // --split valid: the same runs judged on (the latest) validation examples, for choices made before any test
    const evalSet = split === 'valid' ? ds.valid : ds.test;
    const nUsers = args.options.testUsers ?? (smoke ? 40 : 0);
    const test = nUsers > 0 ? evalSet.slice(-nUsers) : evalSet;
    const probe = sample(evalSet, args.options.probeUsers ?? (smoke ? 16 : 300), 7);
    const prompts = sample(ds.train, args.options.prompts ?? (smoke ? 16 : 1024), 11 + seed);
    const targets = test.map((e) => e.target);
    const L = levelsOf(sft);
    const methods: Record<string, Record<string, unknown>> = {};
    const perUser: Record<string, Float64Array> = {};
    const models: Record<string, { model: GenRecModel; head: ValueHead }> = {};
    const sftEval = testLists(sft, null, test, scoring, false);
    const sftM = rankMetrics(sftEval.lists, targets);
    methods.sft = { test: sftM.mean, decoder: 'beam-10' };
    perUser.sft = sftM.ndcg10;
    log(`[vstar] ${set} SFT: NDCG@10 ${sftM.mean['ndcg@10'].toFixed(4)}`);
    const plan: { name: string; generator: 'beam' | 'ved'; mode: 'grpo' | 'sibling' | 'joint'; reward: string }[] = [];
    for (const rw of rewards)
      for (const [g, m] of [
        ['beam', 'grpo'],
        ['ved', 'grpo'],
        ['ved', 'sibling'],
        ['ved', 'joint'],
      ] as const)
        if (only === undefined || only.includes(`${g}-${m}`))
          plan.push({ name: `${g}-${m}-${rw}`, generator: g, mode: m, reward: rw });
    for (const p of plan) {
      const policy = frozenCopy(sft);
      manualSeed(1 + seed);
      const head = new ValueHead({ dModel: sft.cfg.dModel, nHeads: sft.cfg.nHeads, dFF: sft.cfg.dModel * 2 });
      const reward = createReward(
        p.reward,
        side,
        p.reward === 'semantic' ? { form: 'vstar-return' } : {},
        'bench vstar',
      );
      if (reward.scope !== 'candidates') throw new Error(`${p.reward} is not a candidate reward`);
      const s: VstarAlignSettings = {
        generator: p.generator,
        mode: p.mode,
        groupSize: G,
        epochs: args.options.epochs ?? 1,
        batchPrompts: smoke ? 4 : 16,
        lr,
        klBeta: 1e-3,
        gamma: 0.99,
        valueCoef: 1,
        valueWarmupEpochs: smoke ? 1 : valueEpochs,
        valueLr: 1e-3,
        scoring,
        ved: { budget: budgetOf(sft, G), ...VED, rule: 'G' },
        seed,
      };
      log(`[vstar] ${set} ${p.name}: ${prompts.length} prompts, G ${G}`);
      const res = alignVstar(policy, head, prompts, reward, embeddings, L, s, log);
      const ev = testLists(policy, head, test, scoring, false);
      const m = rankMetrics(ev.lists, targets);
      perUser[p.name] = m.ndcg10;
      const last = res.train.history[res.train.history.length - 1] as unknown as Record<string, unknown>;
      methods[p.name] = {
        test: m.mean,
        decoder: 'beam-10',
        trainSeconds: res.seconds,
        rolloutSeconds: res.totals.rolloutSeconds,
        lastEpoch: last,
      };
      log(`[vstar] ${set} ${p.name}: NDCG@10 ${m.mean['ndcg@10'].toFixed(4)} (train ${res.seconds.toFixed(0)} s)`);
      if (p.mode === 'joint' && p.generator === 'ved') {
        const ve = testLists(policy, head, test, scoring, true);
        const vm = rankMetrics(ve.lists, targets);
        methods[`${p.name}+ved-test`] = { test: vm.mean, decoder: `ved budget ${budgetOf(sft, 10)}` };
        perUser[`${p.name}+ved-test`] = vm.ndcg10;
      }
      models[p.name] = { model: policy, head };
      if (
        p.mode === 'joint' &&
        p.generator === 'ved' &&
        p.reward === rewards[0] &&
        variant === '' &&
        args.options.merge !== true &&
        !smoke
      ) {
        // the V-STAR model as a run directory: `genrec eval --run DIR --eval.decoder ved` decodes with its value head
        const runDir = join(root, `${set}-vstar-joint-s${seed}`);
        mkdirSync(runDir, { recursive: true });
        saveCheckpoint(join(runDir, 'model.safetensors'), {
          model: policy,
          meta: readCheckpoint(join(dir, 'model.safetensors')).meta,
        });
        saveValueHead(join(runDir, VALUE_HEAD_FILE), head);
        methods[p.name].runDir = runDir;
      }
    }
    // paired bootstraps of NDCG@10 against the beam-candidate baseline (per reward) and SFT
    const boot: Record<string, unknown> = {};
    for (const name of Object.keys(perUser)) {
      const rw = rewards.find((r: string) => name.includes(`-${r}`)) ?? rewards[0];
      const base = `beam-grpo-${rw}`;
      if (name !== base && perUser[base]) boot[`${name} − ${base}`] = pairedBootstrap(perUser[name], perUser[base]);
      if (name !== 'sft') boot[`${name} − sft`] = pairedBootstrap(perUser[name], perUser.sft);
    }
    out[set] = {
      users: { [split]: test.length, probe: probe.length, prompts: prompts.length },
      split,
      lr,
      groupSize: G,
      levels: L,
      seed,
      methods,
      bootstrap: boot,
      // per test user, NDCG@10 of every method (paired bootstraps over seeds average them per user)
      perUserNdcg10: Object.fromEntries(Object.entries(perUser).map(([k, v]) => [k, Array.from(v)])),
    };
    // --merge: add these methods to the seed's stored file (e.g. a second reward trained later), keeping the rest
    if (args.options.merge === true && existsSync(resultFile)) {
      const old = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, Record<string, unknown>>;
      const cur = out[set] as Record<string, Record<string, unknown>>;
      out[set] = {
        ...old,
        ...cur,
        methods: { ...old.methods, ...cur.methods },
        bootstrap: { ...old.bootstrap, ...cur.bootstrap },
        perUserNdcg10: { ...old.perUserNdcg10, ...cur.perUserNdcg10 },
      };
    }
    // Table 4 is on disk before the tables run (they take the longest and are the most memory-hungry part)
    if (!smoke) writeJsonAtomicSync(resultFile, out[set]);
    const finish = (): void => {
      for (const { model, head } of Object.values(models)) {
        model.dispose();
        head.dispose();
      }
      sft.dispose();
      printSet(set, out[set] as SetOut);
    };
    if (!tables) {
      finish();
      continue;
    }
    // Tables 2–3, Fig. 4, Table 6, Fig. 3 and timing at the joint model of the first reward
    const joint = models[`ved-joint-${rewards[0]}`];
    const beamBase = models[`beam-grpo-${rewards[0]}`] as (typeof models)[string] | undefined;
    log(`[vstar] ${set}: Table 2–3 (beam / top-K / VED rules, |C| = ${G}) on ${probe.length} users`);
    const table2: Record<string, unknown> = {};
    for (const d of ['beam', 'topk', 'ved-G', 'ved-V', 'ved-H'] as const) {
      const cs = candidateSets(joint.model, joint.head, probe, d, G, G, scoring);
      const q = setQuality(cs.lists, probe, joint.model, semantic);
      const m = rankMetrics(
        cs.lists.map((l) => l.slice(0, 10)),
        probe.map((e) => e.target),
      ).mean;
      table2[d] = {
        ...q,
        'ndcg@10': m['ndcg@10'],
        'hr@10': m['hr@10'],
        tokensPerQuery: cs.cost,
        msPerQuery: (1000 * cs.seconds) / probe.length,
      };
    }
    log(`[vstar] ${set}: Fig. 4 (budgets 1×–4×)`);
    const fig4: Record<string, unknown>[] = [];
    for (const k of [1, 2, 3, 4]) {
      for (const d of ['beam', 'ved-G'] as const) {
        const cs = candidateSets(joint.model, joint.head, probe, d, G, G * k, scoring);
        fig4.push({ budget: k, decoder: d, tokens: cs.cost, ...setQuality(cs.lists, probe, joint.model, semantic) });
      }
    }
    log(`[vstar] ${set}: Table 6 (|C| = 64)`);
    const table6: Record<string, unknown> = {};
    for (const d of ['beam', 'topk', 'ved-G'] as const) {
      const cs = candidateSets(joint.model, joint.head, probe, d, 64, 64, scoring);
      table6[d] = setQuality(cs.lists, probe, joint.model, semantic);
    }
    log(`[vstar] ${set}: Fig. 3 (Spearman ρ per level, pools of 64 at T = 1.5)`);
    const fig3 = {
      sft: spearmanProbe(sft, null, probe, semantic, scoring),
      ...(beamBase ? { 'beam+grpo': spearmanProbe(beamBase.model, null, probe, semantic, scoring) } : {}),
      'v-star': spearmanProbe(joint.model, joint.head, probe, semantic, scoring),
    };
    // time per query at equal budget (medians of 3)
    const times = (d: 'beam' | 'ved-G'): number => {
      const xs = [0, 1, 2].map(() => candidateSets(joint.model, joint.head, probe, d, G, G, scoring).seconds);
      xs.sort((a, b) => a - b);
      return (1000 * xs[1]) / probe.length;
    };
    const tBeam = times('beam');
    const tVed = times('ved-G');
    const timing = { beamMsPerQuery: tBeam, vedMsPerQuery: tVed, ratio: tVed / tBeam, budget: budgetOf(sft, G) };
    out[set] = {
      ...(out[set] as Record<string, unknown>),
      table2,
      fig4,
      table6,
      fig3,
      timing,
      seconds: (performance.now() - t0) / 1000,
    };
    if (!smoke) writeJsonAtomicSync(resultFile, out[set]);
    finish();
  }
  if (args.options.figures) await figures(out as Record<string, SetOut>, args.options.figures);
  // the per-user figures stay in the files (they would make the last line megabytes long)
  const printed = Object.fromEntries(
    Object.entries(out).map(([k, v]) => {
      const { perUserNdcg10: _per, ...rest } = v as Record<string, unknown>;
      return [k, rest];
    }),
  );
  return { sets: printed, codeVersion: codeVersion().string };
}

interface SetOut {
  methods: Record<string, { test: Record<string, number> }>;
  bootstrap: Record<string, { diff: number; lo: number; hi: number }>;
  table2?: Record<string, Record<string, number>>;
  fig4?: { budget: number; decoder: string; hitRate: number; maxReward: number; tokens: number }[];
  table6?: Record<string, Record<string, number>>;
  fig3?: Record<string, { logProb: number[]; value: number[] | null }>;
  timing?: Record<string, number>;
}

function printSet(set: string, o: SetOut): void {
  const f = (x: number): string => x.toFixed(4);
  log(`\n## ${set}\nmethod | HR@3 | HR@5 | HR@10 | NDCG@3 | NDCG@5 | NDCG@10`);
  for (const [m, r] of Object.entries(o.methods))
    log(
      `${m} | ${KS.map((k) => f(r.test[`hr@${k}`])).join(' | ')} | ${KS.map((k) => f(r.test[`ndcg@${k}`])).join(' | ')}`,
    );
  for (const [k, b] of Object.entries(o.bootstrap))
    log(`${k}: ${b.diff >= 0 ? '+' : ''}${f(b.diff)} [${f(b.lo)}, ${f(b.hi)}]`);
  log('decoder | hit rate of C | MaxReward | Div(C) | NDCG@10 | tokens/query | ms/query');
  for (const [d, r] of Object.entries(o.table2 ?? {}))
    log(
      `${d} | ${f(r.hitRate)} | ${f(r.maxReward)} | ${f(r.div)} | ${f(r['ndcg@10'])} | ${r.tokensPerQuery.toFixed(1)} | ${r.msPerQuery.toFixed(1)}`,
    );
  for (const p of o.fig4 ?? [])
    log(
      `budget ${p.budget}× ${p.decoder}: hit ${f(p.hitRate)}, MaxReward ${f(p.maxReward)}, tokens ${p.tokens.toFixed(1)}`,
    );
  for (const [d, r] of Object.entries(o.table6 ?? {}))
    log(`|C|=64 ${d}: Div ${f(r.div)}, MaxReward ${f(r.maxReward)}, hit ${f(r.hitRate)}`);
  for (const [m, r] of Object.entries(o.fig3 ?? {}))
    log(`ρ ${m}: log-prob ${r.logProb.map(f).join(' ')}${r.value ? `; value ${r.value.map(f).join(' ')}` : ''}`);
  log(`time per query: ${JSON.stringify(o.timing)}`);
}

async function figures(out: Record<string, SetOut>, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [set, o] of Object.entries(out)) {
    if (!o.fig4 || !o.fig3) continue; // --tables false
    const spec4 = {
      title: `${set}: candidate sets at budgets 1×–4×`,
      data: { values: o.fig4 },
      hconcat: (['maxReward', 'hitRate'] as const).map((y) => ({
        width: 220,
        height: 160,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'budget', type: 'ordinal', title: 'budget (× beam search of width G)' },
          y: {
            field: y,
            type: 'quantitative',
            title: y === 'maxReward' ? 'MaxReward of C' : 'target in C',
            scale: { zero: false },
          },
          color: { field: 'decoder', type: 'nominal' },
        },
      })),
    } as unknown as ChartSpec;
    writeFileSync(join(dir, `vstar-fig4-${set}.svg`), await chartSvg(spec4));
    const f3 = Object.entries(o.fig3).flatMap(([model, r]) => [
      ...r.logProb.map((rho, l) => ({ series: `${model}: log-prob`, level: l + 1, rho })),
      ...(r.value ?? []).map((rho, l) => ({ series: `${model}: value`, level: l + 1, rho })),
    ]);
    const spec3 = {
      title: `${set}: Spearman ρ of prefix signal vs mean reward under the prefix`,
      data: { values: f3 },
      width: 300,
      height: 180,
      mark: 'bar',
      encoding: {
        x: { field: 'level', type: 'ordinal', title: 'SID level ℓ' },
        xOffset: { field: 'series' },
        y: { field: 'rho', type: 'quantitative', title: 'Spearman ρ' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    } as unknown as ChartSpec;
    writeFileSync(join(dir, `vstar-fig3-${set}.svg`), await chartSvg(spec3));
  }
}

export const vstarBench = benchCommand('vstar', OPTIONS, false, run);
