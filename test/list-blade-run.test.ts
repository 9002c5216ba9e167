// BoN alignment and BLADE as list-task runs (src/pipeline/list/run.ts, the tiny preset on a slice of
// embedded:genre-drift?task=list): the reference set is sampled from the init run once, cached beside it and reused
// by every run with the same model, data, prompts, sampling settings and reward (rebuilt when M changes); the results
// carry the target's settings and the per-step trace (saturation, |advantage|, gradient norm, validation every
// align.validEverySteps steps, the trainer's own at epoch ends); objective bon is τ = 0; settings with nothing to estimate F̂ from are refused before
// any run directory is touched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../src/engine/index.js';
import { LIST_SPEC, listConfig } from './list-run-fixture.js';
import type { ListDataset } from '../src/data/types.js';
import { configKey } from '../src/experiment/identity.js';
import { loadListDatasetFromSpec } from '../src/pipeline/dataset.js';
import { runListExperiment, type AlignmentStats } from '../src/pipeline/list/run.js';

setNumThreads(1);
const quiet = (): void => undefined;
const SPEC = LIST_SPEC;

// 32 prompts in batches of 8: 4 steps per epoch, 8 in all; validation every 4 steps
const ALIGN = { prompts: 32, validPrompts: 8, groupSize: 4, lr: 1e-4, epochs: 2, batchPrompts: 8, validEverySteps: 4 };

const alignmentOf = (dir: string): AlignmentStats =>
  (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { training: { alignment: AlignmentStats } }).training
    .alignment;

describe('BoN alignment and BLADE runs', () => {
  let root = '';
  let ds: ListDataset;
  let sftDir = '';
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'genrec-blade-run-'));
    const full = loadListDatasetFromSpec(SPEC);
    ds = { ...full, train: full.train.slice(0, 160), valid: full.valid.slice(-16), test: full.test.slice(0, 16) };
    sftDir = join(root, 'sft');
    await runListExperiment(listConfig(sftDir), { data: ds, log: quiet });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('bon: τ = 0, a reference set of M lists per prompt beside the init run, a per-step trace', async () => {
    const dir = join(root, 'bon');
    const lines: string[] = [];
    await runListExperiment(
      // validation every 2 steps: steps 2 and 6 decode in the step hook, 4 and 8 take the epoch's own validation
      listConfig(dir, {
        objective: 'bon',
        align: { ...ALIGN, init: sftDir, validEverySteps: 2 },
        bon: { referenceSize: 6 },
      }),
      { data: ds, log: (l) => lines.push(l) },
    );
    const a = alignmentOf(dir);
    assert.equal(a.method, 'bon');
    assert.equal(a.bon!.tau, 0, 'static BoN whatever bon.tau says (default 0.3)');
    assert.ok(lines.some((l) => /bon is static BoN alignment: τ = 0/.test(l)));
    assert.equal(a.bon!.referenceSize, 6);
    assert.equal(a.bon!.referenceReused, false);
    assert.ok(a.bon!.referenceFile!.startsWith(join(sftDir, 'bon-reference')), a.bon!.referenceFile!);
    assert.ok(existsSync(a.bon!.referenceFile!));
    const cached = JSON.parse(readFileSync(a.bon!.referenceFile!, 'utf8')) as { rewards: number[][] };
    assert.equal(cached.rewards.length, 32);
    for (const r of cached.rewards) assert.equal(r.length, 6);
    assert.ok(a.bon!.referenceMax >= a.bon!.referenceMean && a.bon!.referenceMean >= 0);
    // the trace: one point per optimizer step, diagnostics and gradient norm, validation at steps 4 and 8
    const steps = a.steps!;
    assert.deepEqual(
      steps.map((s) => s.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    for (const s of steps) {
      assert.ok(s.gradNorm !== null && Number.isFinite(s.gradNorm) && s.gradNorm >= 0, `gradNorm ${s.gradNorm}`);
      assert.ok(s.logs.saturated >= 0 && s.logs.saturated <= 1, `saturated ${s.logs.saturated}`);
      assert.ok(s.logs.meanAbsAdvantage >= 0);
      assert.ok(s.logs.reward <= 0, 'the proxy reward (N − 1)·log F̂ is ≤ 0');
      assert.ok(Number.isFinite(s.logs.baseReward));
    }
    assert.deepEqual(
      steps.filter((s) => s.validation).map((s) => s.step),
      [2, 4, 6, 8],
    );
    assert.ok(Number.isFinite(steps[1].validation!['recall@5']));
    // at epoch ends the trace holds the trainer's validation of that epoch
    const history = (
      JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
        training: { history: { validation: { metrics: Record<string, number> } }[] };
      }
    ).training.history;
    assert.deepEqual(steps[3].validation, history[0].validation.metrics);
    assert.deepEqual(steps[7].validation, history[1].validation.metrics);
    // the trace also lies beside the alignment checkpoints
    const trace = JSON.parse(readFileSync(join(dir, 'align', 'trace.json'), 'utf8')) as { steps: unknown[] };
    assert.deepEqual(trace.steps, steps);
  });

  it('blade reuses the reference set of the same init, prompts, sampling settings and reward (whatever G); another M is a new set', async () => {
    const blade = join(root, 'blade');
    await runListExperiment(
      listConfig(blade, {
        objective: 'blade',
        // another G and rollout seed: neither changes the reference draws
        align: { ...ALIGN, init: sftDir, groupSize: 3, seed: 5 },
        bon: { referenceSize: 6 },
      }),
      { data: ds, log: quiet },
    );
    const a = alignmentOf(blade);
    assert.equal(a.bon!.tau, 0.3);
    assert.equal(a.bon!.referenceReused, true);
    assert.equal(a.bon!.referenceFile, alignmentOf(join(root, 'bon')).bon!.referenceFile);
    const other = join(root, 'blade-m4');
    await runListExperiment(
      listConfig(other, {
        objective: 'blade',
        align: { ...ALIGN, init: sftDir, epochs: 1 },
        bon: { referenceSize: 4 },
      }),
      { data: ds, log: quiet },
    );
    const b = alignmentOf(other);
    assert.equal(b.bon!.referenceReused, false);
    assert.notEqual(b.bon!.referenceFile, a.bon!.referenceFile);
    assert.equal(readdirSync(join(sftDir, 'bon-reference')).length, 2);
  });

  it('blade without the prior (M = 0) samples no reference set', async () => {
    const dir = join(root, 'noprior');
    await runListExperiment(
      listConfig(dir, { objective: 'blade', align: { ...ALIGN, init: sftDir, epochs: 1 }, bon: { referenceSize: 0 } }),
      { data: ds, log: quiet },
    );
    const a = alignmentOf(dir);
    assert.equal(a.bon!.referenceSize, 0);
    assert.equal(a.bon!.referenceFile, null);
    assert.equal(a.steps!.length, 4);
  });

  it('refuses bon without a reference set and blade with τ = 0 and M = 0, before touching the run directory', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ objective: 'bon', bon: { referenceSize: 0 } }, /bon.*needs a reference set: bon\.referenceSize must be > 0/],
      [{ objective: 'blade', bon: { referenceSize: 0, tau: 0 } }, /bon\.tau 0 and bon\.referenceSize 0/],
    ];
    for (const [over, re] of cases) {
      const dir = join(root, 'refused');
      await assert.rejects(
        runListExperiment(listConfig(dir, { ...over, align: { ...ALIGN, init: sftDir } }), { data: ds, log: quiet }),
        re,
      );
      assert.equal(existsSync(dir), false);
    }
  });

  it('the bon section is part of a BoN / BLADE run’s identity only', () => {
    const key = (objective: string, tau: number): string =>
      configKey(listConfig('x', { objective, align: { init: sftDir }, bon: { tau } }));
    assert.equal(key('grpo', 0.3), key('grpo', 0.5));
    assert.notEqual(key('blade', 0.3), key('blade', 0.5));
    assert.notEqual(key('bon', 0.3), key('bon', 0.5));
    assert.equal(configKey(listConfig('x', { bon: { tau: 0.1 } })), configKey(listConfig('x')));
  });
});
