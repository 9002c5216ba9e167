// Checkpoints: exact round trips of parameters and optimizer state (training resumes
// bit-identically), clear errors on damaged or mismatched files, atomic writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  adamW,
  clipGradNorm,
  liveTensors,
  manualSeed,
  sgd,
  tensor,
  tidy,
  type Optimizer,
} from '../src/engine/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/engine/checkpoint.js';
import { loadSafetensorsSync } from '../src/engine/safetensors.js';
import { Transformer, type TransformerConfig } from '../src/model/transformer.js';

const CFG: TransformerConfig = {
  vocabSize: 13,
  dModel: 8,
  nHeads: 2,
  nLayers: 1,
  dFF: 16,
  maxPositions: 8,
  dropout: 0,
};

function makeModel(seed: number, cfg: TransformerConfig = CFG): Transformer {
  manualSeed(seed);
  return new Transformer(cfg);
}

/** Deterministic batch for a step (independent of libtorch's generator). */
function batch(step: number): { x: number[]; y: number[] } {
  const x = Array.from({ length: 3 * 6 }, (_, i) => (i * 5 + step * 3 + 1) % 13);
  const y = Array.from({ length: 3 * 6 }, (_, i) => (i * 7 + step * 11 + 2) % 13);
  return { x, y };
}

function train(model: Transformer, opt: Optimizer, from: number, to: number): number[] {
  const losses: number[] = [];
  for (let s = from; s < to; s++) {
    losses.push(
      tidy(() => {
        const { x, y } = batch(s);
        opt.zeroGrad();
        const { logits } = model.forward(tensor(x, [3, 6], 'int64'));
        const loss = logits.view([18, 13]).crossEntropy(tensor(y, [18], 'int64'));
        loss.backward();
        clipGradNorm(model.parameters(), 0.5);
        opt.step();
        return loss.item();
      }),
    );
  }
  return losses;
}

function snapshot(model: Transformer): Float32Array[] {
  return model.parameters().map((p) => p.toFloat32());
}

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'genrec-ckpt-'));

test('checkpoint: round trip restores parameters and AdamW state; training resumes bit-identically', () => {
  const before = liveTensors();
  const dir = tmp();
  try {
    const file = path.join(dir, 'ckpt.safetensors');
    const a = makeModel(1);
    const optA = adamW(a.parameters(), { lr: 3e-2, weightDecay: 0.1 });
    train(a, optA, 0, 6);
    const meta = { step: 6, config: CFG, note: 'héllo', nested: [1, { x: null }] };
    saveCheckpoint(file, { model: a, optimizer: optA, meta });
    const saved = snapshot(a);
    const continued = train(a, optA, 6, 12);

    // A different initialisation and learning rate: everything must come from the file.
    const b = makeModel(2);
    const optB = adamW(b.parameters(), { lr: 0.5, weightDecay: 0.1 });
    assert.notDeepEqual(snapshot(b), saved);
    const got = loadCheckpoint(file, { model: b, optimizer: optB });
    assert.deepEqual(got, JSON.parse(JSON.stringify(meta)));
    assert.deepEqual(snapshot(b), saved);
    assert.equal(optB.learningRate, 3e-2);
    // the optimizer's state equals what was saved (step counts and moments)
    const raw0 = loadSafetensorsSync(file);
    const stB = optB.state();
    try {
      assert.equal(stB.entries.length, b.parameters().length);
      stB.entries.forEach((e, i) => {
        assert.ok(e);
        assert.equal(e.step, 6);
        assert.deepEqual(e.tensors[0].toFloat32(), raw0.tensors[`optim.${i}.m`].data);
        assert.deepEqual(e.tensors[1].toFloat32(), raw0.tensors[`optim.${i}.v`].data);
      });
    } finally {
      for (const e of stB.entries) for (const t of e?.tensors ?? []) t.dispose();
    }
    const resumed = train(b, optB, 6, 12);
    assert.deepEqual(resumed, continued); // bit-identical losses
    assert.deepEqual(snapshot(b), snapshot(a));

    // Without the optimizer state the continuation differs (so the check above can fail).
    const c = makeModel(3);
    const optC = adamW(c.parameters(), { lr: 3e-2, weightDecay: 0.1 });
    loadCheckpoint(file, { model: c });
    const fresh = train(c, optC, 6, 12);
    assert.equal(fresh[0], continued[0]); // same parameters → same first loss
    assert.notDeepEqual(fresh, continued);

    // The file layout: parameters by name, moments as optim.<i>.m / .v, steps in the metadata.
    const raw = loadSafetensorsSync(file);
    assert.ok('tok_emb.weight' in raw.tensors);
    assert.ok('optim.0.m' in raw.tensors && 'optim.0.v' in raw.tensors);
    assert.equal(raw.metadata['optim.kind'], 'adamw');
    const steps = JSON.parse(raw.metadata['optim.steps']) as number[];
    assert.equal(steps.length, a.parameters().length);
    assert.ok(steps.every((s) => s === 6));
    for (const m of [a, b, c]) m.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(liveTensors(), before);
});

test('checkpoint: SGD momentum state and float64 parameters round trip', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'sgd.safetensors');
    const cfg = { ...CFG, dtype: 'float64' as const };
    const a = makeModel(4, cfg);
    const optA = sgd(a.parameters(), { lr: 0.1, momentum: 0.9 });
    train(a, optA, 0, 3);
    saveCheckpoint(file, { model: a, optimizer: optA });
    const continued = train(a, optA, 3, 6);
    const b = makeModel(5, cfg);
    const optB = sgd(b.parameters(), { lr: 0.1, momentum: 0.9 });
    assert.deepEqual(loadCheckpoint(file, { model: b, optimizer: optB }), {});
    assert.equal(loadSafetensorsSync(file).tensors['optim.0.buf'].dtype, 'float64');
    assert.deepEqual(train(b, optB, 3, 6), continued);
    a.dispose();
    b.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint: truncated, foreign or mismatched files are rejected with clear errors', () => {
  const dir = tmp();
  const model = makeModel(6);
  try {
    const file = path.join(dir, 'ok.safetensors');
    saveCheckpoint(file, { model, meta: { a: 1 } });
    const bytes = readFileSync(file);
    const before = snapshot(model);

    const cut = path.join(dir, 'cut.safetensors');
    for (const len of [bytes.length - 7, Math.floor(bytes.length / 2), 20, 5, 0]) {
      writeFileSync(cut, bytes.subarray(0, len));
      assert.throws(
        () => loadCheckpoint(cut, { model }),
        (e: Error) => e.message.includes(cut),
      );
    }
    assert.deepEqual(snapshot(model), before, 'a failed load changed the model');

    // missing file
    assert.throws(() => loadCheckpoint(path.join(dir, 'nope.safetensors'), { model }), /ENOENT/);
    // a different architecture: the error names the parameter and both shapes
    const bigger = makeModel(7, { ...CFG, dModel: 12, nHeads: 2 });
    assert.throws(
      () => loadCheckpoint(file, { model: bigger }),
      /'tok_emb.weight' has shape \[13, 8\], the model expects \[13, 12\]/,
    );
    bigger.dispose();
    // a dtype mismatch
    const f64 = makeModel(8, { ...CFG, dtype: 'float64' });
    assert.throws(() => loadCheckpoint(file, { model: f64 }), /is float32, the model expects float64/);
    f64.dispose();
    // optimizer requested but the file has none
    const opt = adamW(model.parameters(), { lr: 1e-3 });
    assert.throws(() => loadCheckpoint(file, { model, optimizer: opt }), /has no optimizer state/);
    // optimizer of another kind
    const withSgd = path.join(dir, 'sgd.safetensors');
    const s = sgd(model.parameters(), { lr: 0.1, momentum: 0.5 });
    train(model, s, 0, 1);
    saveCheckpoint(withSgd, { model, optimizer: s });
    assert.throws(() => loadCheckpoint(withSgd, { model, optimizer: opt }), /optimizer state is for sgd, not adamw/);
    // a plain safetensors file that is not a genrec checkpoint
    const plain = path.join(dir, 'plain.safetensors');
    const h = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }).padEnd(56, ' '));
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(plain, Buffer.concat([head, h, Buffer.alloc(4)]));
    assert.throws(() => loadCheckpoint(plain, { model }), /not a genrec checkpoint/);
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint: writing is atomic (a failed save leaves the old file and no partial file)', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'ckpt.safetensors');
    const model = makeModel(9);
    saveCheckpoint(file, { model, meta: { v: 1 } });
    const good = readFileSync(file);
    // a parameter that cannot be read (disposed) fails the save before anything is written
    const broken = makeModel(10);
    broken.parameters()[3].dispose();
    assert.throws(() => saveCheckpoint(file, { model: broken, meta: { v: 2 } }), /dispose/);
    assert.deepEqual(readFileSync(file), good);
    // metadata that is not JSON-serialisable
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => saveCheckpoint(file, { model, meta: cyclic }), /circular/i);
    assert.deepEqual(readFileSync(file), good);
    // the final rename fails (the target is a directory): the temporary file is removed
    const target = path.join(dir, 'is-a-dir');
    mkdirSync(target);
    assert.throws(() => saveCheckpoint(target, { model }));
    assert.deepEqual(readdirSync(dir).sort(), ['ckpt.safetensors', 'is-a-dir']);
    assert.deepEqual(readdirSync(target), []);
    assert.deepEqual(loadCheckpoint(file, { model }), { v: 1 });
    model.dispose();
    broken.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
