import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setNumThreads } from '../src/engine/index.js';
import { loadCheckpoint, readCheckpointMeta } from '../src/engine/checkpoint.js';
import { train, TrainerConfig, type EpochRecord, type TrainerConfig as TrainerCfg } from '../src/train/trainer.js';
import { LinearTask, makeData, type ChildSpec } from './train-fixture.js';

setNumThreads(1);

const here = path.dirname(fileURLToPath(import.meta.url));
const quiet = (): void => undefined;

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'genrec-train-'));
}

function weights(task: LinearTask): number[][] {
  return task.model.parameters().map((p) => Array.from(p.toFloat32()));
}

const BASE: Partial<TrainerCfg> = {
  lr: 0.05,
  batchSize: 16,
  epochs: 5,
  patience: 0,
  warmup: 3,
  schedule: 'cosine',
  minLrRatio: 0.1,
  maxGradNorm: 1,
  weightDecay: 0.01,
  seed: 3,
};

/** The deterministic part of an epoch record (drops wall-clock timings). */
function stable(h: EpochRecord[]): unknown[] {
  return h.map((r) => ({ ...r, seconds: 0, examplesPerSec: 0 }));
}

test('trainer config: documented defaults and loud validation', () => {
  const d = TrainerConfig.defaults();
  assert.equal(d.batchSize, 128);
  assert.equal(d.epochs, 10);
  assert.throws(() => TrainerConfig.parse({ lr: 0 }), /trainer\.lr: must be > 0/);
  assert.throws(() => TrainerConfig.parse({ shedule: 'cosine' }), /did you mean 'schedule'/);
  assert.throws(() => train(new LinearTask(1, makeData(2, 8)), [], {}, { log: quiet }), /no training examples/);
  assert.throws(
    () => train(new LinearTask(1, makeData(2, 8)), makeData(1, 10), { ...BASE, warmup: 2.5 }, { log: quiet }),
    /warmup 2\.5 is neither a fraction/,
  );
  for (const key of TrainerConfig.keys()) assert.ok(TrainerConfig.docs().includes(`\`${key}\``));
});

test('trainer: loss decreases, validation improves, progress and epoch lines are printed', () => {
  const task = new LinearTask(7, makeData(2, 64));
  const lines: string[] = [];
  const res = train(task, makeData(1, 200), { ...BASE, logIntervalSec: 0 }, { log: (l) => lines.push(l) });
  assert.equal(res.history.length, 5);
  assert.equal(res.totalSteps, 5 * 13);
  assert.equal(res.history[4].step, 65);
  assert.ok(res.history[4].loss < res.history[0].loss * 0.8, `${res.history[0].loss} → ${res.history[4].loss}`);
  const acc = res.history.map((r) => r.validation?.metrics.acc ?? 0);
  assert.ok(acc[4] > 0.6, `accuracy ${acc}`);
  assert.ok(res.bestScore >= acc[4]);
  assert.equal(res.history[0].logs.batch, 200 / 13); // mean of the objective's logs (12 × 16 + 8)
  assert.ok(
    lines.some((l) => /^\[train\] +\d+\/65 \(.*loss .* examples\/s .*ETA/.test(l)),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => /^\[train\] epoch 5\/5 \| loss .* \| val /.test(l)));
  // the final model holds the best epoch's weights and is in eval mode
  assert.equal(task.model.training, false);
});

test('trainer: early stopping with patience, best weights restored (in memory and from best.safetensors)', () => {
  for (const withDir of [false, true]) {
    const dir = withDir ? tmp() : undefined;
    try {
      const task = new LinearTask(7, makeData(2, 16), [0.1, 0.5, 0.4, 0.45, 0.9, 0.9]);
      let atEpoch2: number[][] = [];
      const seen: number[] = [];
      const res = train(
        task,
        makeData(1, 100),
        { ...BASE, epochs: 8, patience: 2 },
        {
          checkpointDir: dir,
          log: quiet,
          onEpoch: (rec) => {
            seen.push(rec.epoch);
            if (rec.epoch === 2) atEpoch2 = weights(task);
          },
        },
      );
      assert.deepEqual(seen, [1, 2, 3, 4]);
      assert.equal(res.stoppedEarly, true);
      assert.equal(res.bestEpoch, 2);
      assert.equal(res.bestScore, 0.5);
      assert.deepEqual(
        res.history.map((r) => r.improved),
        [true, true, false, false],
      );
      assert.deepEqual(weights(task), atEpoch2);
      if (dir) {
        const best = JSON.parse(readFileSync(path.join(dir, 'best.json'), 'utf8')) as { epoch: number; score: number };
        assert.equal(best.epoch, 2);
        assert.equal(best.score, 0.5);
        assert.ok(existsSync(path.join(dir, 'last.safetensors')));
      }
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('trainer: validateEvery and gradient accumulation', () => {
  const task = new LinearTask(7, makeData(2, 16));
  const res = train(
    task,
    makeData(1, 50),
    { ...BASE, epochs: 5, validateEvery: 2, gradAccumulation: 2 },
    { log: quiet },
  );
  assert.deepEqual(
    res.history.map((r) => r.validation !== undefined),
    [false, true, false, true, true],
  );
  assert.equal(task.validations, 3);
  assert.equal(res.totalSteps, 5 * 2); // 4 batches of ≤16 → 2 optimizer steps per epoch
});

test('trainer: onStep reports every optimizer step with its gradient norm (the epoch record holds their mean)', () => {
  const task = new LinearTask(7, makeData(2, 16));
  const steps: {
    epoch: number;
    step: number;
    gradNorm: number | null;
    logs: Record<string, number>;
    epochEnd: boolean;
  }[] = [];
  const res = train(
    task,
    makeData(1, 50),
    { ...BASE, epochs: 2, gradAccumulation: 2 },
    {
      log: quiet,
      onStep: (s) => steps.push(s),
    },
  );
  assert.deepEqual(
    steps.map((s) => [s.epoch, s.step]),
    [
      [1, 1],
      [1, 2],
      [2, 3],
      [2, 4],
    ],
  );
  assert.deepEqual(
    steps.map((s) => s.epochEnd),
    [false, true, false, true],
  );
  for (const e of [1, 2]) {
    const norms = steps.filter((s) => s.epoch === e).map((s) => s.gradNorm!);
    for (const n of norms) assert.ok(Number.isFinite(n) && n > 0, `gradient norm ${n}`);
    const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
    assert.ok(
      Math.abs(mean - res.history[e - 1].gradNorm!) < 1e-12,
      `epoch ${e}: ${mean} vs ${res.history[e - 1].gradNorm}`,
    );
  }
  // the task's logs of a step: the mean over its accumulated batches (batch sizes 16 + 16, then 16 + 2)
  assert.equal(steps[0].logs.batch, 16);
  assert.equal(steps[1].logs.batch, 9);
  // no clipping: no norm
  const off: (number | null)[] = [];
  train(
    new LinearTask(7, makeData(2, 16)),
    makeData(1, 20),
    { ...BASE, epochs: 1, maxGradNorm: 0 },
    {
      log: quiet,
      onStep: (s) => off.push(s.gradNorm),
    },
  );
  assert.deepEqual(off, [null, null]);
});

test('trainer: a SIGKILLed run resumes from its last checkpoint and ends identical to an uninterrupted run', () => {
  const root = tmp();
  try {
    const cfg: Partial<TrainerCfg> = { ...BASE, epochs: 5, patience: 3 };
    // uninterrupted reference, in this process
    const refDir = path.join(root, 'ref');
    const ref = new LinearTask(7, makeData(2, 64));
    const refRes = train(ref, makeData(1, 200), cfg, { checkpointDir: refDir, log: quiet });

    // child: trains and kills itself right after epoch 2's checkpoint is written
    const dir = path.join(root, 'run');
    const spec: ChildSpec = { dir, killAfterEpoch: 2, config: cfg };
    const child = spawnSync(process.execPath, [path.join(here, 'train-fixture.js')], {
      env: { ...process.env, GENREC_TRAIN_CHILD: JSON.stringify(spec) },
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL', `child exited with ${child.status}: ${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, /KILLING after epoch 2/);
    assert.doesNotMatch(child.stdout, /epoch 3\/5/);
    const killed = readCheckpointMeta(path.join(dir, 'last.safetensors')) as { epoch: number };
    assert.equal(killed.epoch, 2);

    // keep a copy of the killed state for the corruption checks below
    const corruptDir = path.join(root, 'corrupt');
    cpSync(dir, corruptDir, { recursive: true });

    // resume with a model initialised differently: everything must come from the checkpoint
    const resumed = new LinearTask(999, makeData(2, 64));
    const lines: string[] = [];
    const res = train(resumed, makeData(1, 200), cfg, { checkpointDir: dir, resume: true, log: (l) => lines.push(l) });
    assert.equal(res.resumedFrom, 2);
    assert.ok(lines.some((l) => l.includes('resumed from') && l.includes('epoch 2/5')));
    assert.deepEqual(weights(resumed), weights(ref));
    assert.deepEqual(stable(res.history), stable(refRes.history));
    assert.equal(res.bestEpoch, refRes.bestEpoch);

    // the final checkpoint is valid: it loads into a fresh model and matches the reference's
    const fresh = new LinearTask(5, []);
    const lastFile = path.join(dir, 'last.safetensors');
    loadCheckpoint(lastFile, { model: fresh.model });
    const refLast = new LinearTask(5, []);
    loadCheckpoint(path.join(refDir, 'last.safetensors'), { model: refLast.model });
    assert.deepEqual(weights(fresh), weights(refLast));
    const meta = readCheckpointMeta(lastFile) as { epoch: number; done: boolean };
    assert.equal(meta.epoch, 5);
    assert.equal(meta.done, true);

    // resuming a finished run trains nothing and returns the same result
    const again = new LinearTask(123, makeData(2, 64));
    const res2 = train(again, makeData(1, 200), cfg, { checkpointDir: dir, resume: true, log: quiet });
    assert.equal(again.validations, 0);
    assert.deepEqual(weights(again), weights(ref));
    assert.deepEqual(stable(res2.history), stable(refRes.history));

    // a changed config is refused, naming the key
    assert.throws(
      () =>
        train(
          new LinearTask(1, []),
          makeData(1, 200),
          { ...cfg, lr: 0.01 },
          { checkpointDir: corruptDir, resume: true, log: quiet },
        ),
      /cannot resume .*trainer\.lr: checkpoint 0\.05, now 0\.01/,
    );

    // a truncated last checkpoint makes resume fail loudly and leaves the file alone
    const lastPath = path.join(corruptDir, 'last.safetensors');
    truncateSync(lastPath, Math.floor(statSync(lastPath).size / 2));
    const size = statSync(lastPath).size;
    assert.throws(
      () =>
        train(new LinearTask(1, makeData(2, 64)), makeData(1, 200), cfg, {
          checkpointDir: corruptDir,
          resume: true,
          log: quiet,
        }),
      (e: Error) => e.message.includes(lastPath) && /corrupt/.test(e.message),
    );
    assert.equal(statSync(lastPath).size, size);
    // garbage bytes too
    writeFileSync(lastPath, Buffer.from('this is not a safetensors file at all'));
    assert.throws(
      () =>
        train(new LinearTask(1, makeData(2, 64)), makeData(1, 200), cfg, {
          checkpointDir: corruptDir,
          resume: true,
          log: quiet,
        }),
      /unreadable or corrupt/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('trainer: resume without a checkpoint starts fresh and says so', () => {
  const dir = tmp();
  try {
    const lines: string[] = [];
    const res = train(
      new LinearTask(7, makeData(2, 16)),
      makeData(1, 40),
      { ...BASE, epochs: 1 },
      {
        checkpointDir: dir,
        resume: true,
        log: (l) => lines.push(l),
      },
    );
    assert.equal(res.resumedFrom, 0);
    assert.ok(lines.some((l) => l.includes('no checkpoint') && l.includes('starting from scratch')));
    assert.throws(
      () => train(new LinearTask(7, []), makeData(1, 4), {}, { resume: true, log: quiet }),
      /resume needs a checkpointDir/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trainer: a task without validate trains the fixed epochs and keeps the final weights', () => {
  const task = new LinearTask(7, makeData(2, 16));
  const { validate: _v, ...noVal } = {
    model: task.model,
    loss: task.loss.bind(task),
    validate: task.validate.bind(task),
  };
  const res = train(noVal, makeData(1, 50), { ...BASE, epochs: 3, patience: 1 }, { log: quiet });
  assert.equal(task.validations, 0);
  assert.equal(res.history.length, 3, 'no early stopping without validation');
  assert.equal(res.bestEpoch, 3);
  assert.ok(Number.isNaN(res.bestScore));
  assert.ok(res.history.every((r) => r.validation === undefined));
});
