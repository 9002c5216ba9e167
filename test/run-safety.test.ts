// A finished run is never damaged: a rejected resume changes nothing, a retrain needs --overwrite and leaves the finished
// run intact until it completes (killed anywhere: the directory still loads and recommends the same), a run loads from
// what was saved with its weights, and eval / recommend refuse data that changed since training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRun } from '../src/pipeline/load-run.js';
import { publishRun, recoverRunDir } from '../src/pipeline/run-dir.js';
import { recommend } from '../src/pipeline/recommend.js';
import { Rng } from '../src/util/rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'src', 'cli', 'main.js');
const EMBEDDED = join(here, '..', '..', 'data', 'office-mini');

/** A small window data set (the first rows of the embedded one) in `dir`; returns its spec. */
function tinyData(dir: string, rows = { train: 240, valid: 30, test: 30 }): string {
  mkdirSync(dir, { recursive: true });
  for (const [split, n] of Object.entries(rows)) {
    const lines = readFileSync(join(EMBEDDED, `${split}.csv`), 'utf8').split('\n');
    writeFileSync(join(dir, `${split}.csv`), lines.slice(0, n + 1).join('\n') + '\n');
  }
  copyFileSync(join(EMBEDDED, 'id2name4Rec.json'), join(dir, 'id2name4Rec.json'));
  return `windows:${dir}`;
}

function trainArgs(data: string, out: string, ...extra: string[]): string[] {
  return trainArgsFor(2, data, out, ...extra);
}

function trainArgsFor(epochs: number, data: string, out: string, ...extra: string[]): string[] {
  return [
    CLI,
    'train',
    '--dataset',
    data,
    '--preset',
    'tiny',
    '--out',
    out,
    '--threads',
    '1',
    '--trainer.epochs',
    String(epochs),
    '--trainer.logIntervalSec',
    '0',
    '--eval.beamWidth',
    '5',
    '--eval.ks',
    '1,5',
    '--eval.validUsers',
    '30',
    ...extra,
  ];
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, args, { encoding: 'utf8' });
}

/** Every file under `dir` (recursively) with its bytes, for before/after comparisons. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p.slice(dir.length), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

/** The run's top-5 (items and log-probs) for a few fixed histories. */
function recsOf(dir: string): string {
  const run = loadRun(dir);
  try {
    const hyps = recommend(run.model, [[1, 2, 3], [40, 7], [100]], {
      beamWidth: 5,
      topK: 5,
      chunkUsers: 3,
      scoring: 'full',
      decoder: 'beam',
      temperature: 1,
      sampleSeed: 0,
    });
    return JSON.stringify(hyps.map((h) => h.map((x) => [x.item, x.logProb.toFixed(5)])));
  } finally {
    run.model.dispose();
  }
}

function runIdOf(file: string): unknown {
  return (JSON.parse(readFileSync(file, 'utf8')) as { runId?: unknown }).runId;
}

test('run safety: a rejected resume, a refused retrain and a truncated file change nothing in a finished run', () => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-safety-'));
  try {
    const data = tinyData(join(root, 'data'));
    const dir = join(root, 'run');
    const first = cli(trainArgs(data, dir));
    assert.equal(first.status, 0, first.stderr);
    const before = snapshot(dir);
    const recs = recsOf(dir);
    assert.ok(!existsSync(join(dir, '.pending')), 'a finished run leaves no pending directory');
    assert.equal(runIdOf(join(dir, 'results.json')), loadRun(dir).runId, 'results and weights are of one run');

    // the reproduction: a resume with another model shape is rejected before anything is written
    const resume = cli(trainArgs(data, dir, '--model.nLayers', '3', '--resume', 'true'));
    assert.equal(resume.status, 1);
    assert.match(resume.stderr, /nothing to resume/);
    // a retrain without --overwrite is refused
    const again = cli(trainArgs(data, dir, '--seed', '1'));
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds a finished run.*--overwrite true/);
    // --resume takes only true / false
    for (const bad of ['yes', '1']) {
      const r = cli(trainArgs(data, dir, '--resume', bad));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--resume must be true or false, got '/);
    }
    assert.deepEqual(snapshot(dir), before, 'the finished run is byte for byte unchanged');
    assert.equal(recsOf(dir), recs);

    // a run loads from what was saved with its weights: damaged config.json / ids.json copies do not matter
    writeFileSync(join(dir, 'config.json'), '{"model": {"nLay');
    writeFileSync(join(dir, 'ids.json'), '');
    assert.equal(recsOf(dir), recs);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run safety: an older run without identifiers in its weights names a truncated ids.json / config.json', () => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-legacy-'));
  try {
    const data = tinyData(join(root, 'data'), { train: 60, valid: 10, test: 10 });
    const dir = join(root, 'run');
    const r = cli(trainArgsFor(1, data, dir));
    assert.equal(r.status, 0, r.stderr);
    // rewrite the model file as older code wrote it: only config and code version in its metadata
    const st = readFileSync(join(dir, 'model.safetensors'));
    const n = Number(st.readBigUInt64LE(0));
    const header = JSON.parse(st.subarray(8, 8 + n).toString('utf8')) as {
      __metadata__: Record<string, string>;
    };
    const meta = JSON.parse(header.__metadata__.meta) as Record<string, unknown>;
    // (and as if trained on a machine with far more cores than this one)
    const config = { ...(meta.config as Record<string, unknown>), threads: 4096 };
    header.__metadata__.meta = JSON.stringify({ config, codeVersion: meta.codeVersion });
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
    const hb = Buffer.from(json, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hb.length));
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, hb, st.subarray(8 + n)]));
    const legacy = loadRun(dir);
    assert.equal(legacy.runId, null);
    assert.ok(legacy.dataset !== null, 'the data set comes from results.json');
    legacy.model.dispose();
    const ok = cli([CLI, 'recommend', '--run', dir, '--history', '2']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /trained with 4096 threads, this machine has \d+ cores; choosing automatically/);
    writeFileSync(join(dir, 'ids.json'), '{"kind": "ti');
    assert.throws(() => loadRun(dir), /ids\.json: invalid JSON .*damaged or truncated/);
    const rec = cli([CLI, 'recommend', '--run', dir, '--history', '2']);
    assert.equal(rec.status, 1);
    assert.match(rec.stderr, /ids\.json: invalid JSON/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run safety: non-finite weights are refused on load, naming the file and the parameter', () => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-nan-'));
  try {
    const data = tinyData(join(root, 'data'), { train: 60, valid: 10, test: 10 });
    const dir = join(root, 'run');
    const r = cli(trainArgsFor(1, data, dir));
    assert.equal(r.status, 0, r.stderr);
    const file = join(dir, 'model.safetensors');
    const st = readFileSync(file);
    const n = Number(st.readBigUInt64LE(0));
    // the last four bytes are the last float32 of the last tensor: make it NaN
    st.writeFloatLE(NaN, st.length - 4);
    writeFileSync(file, st);
    assert.ok(n > 0);
    assert.throws(() => loadRun(dir), /model\.safetensors: parameter '.+' holds a non-finite value \(NaN/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run safety: eval / recommend / diagnose refuse changed data unless --allow-data-change', () => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-datachk-'));
  try {
    const dataDir = join(root, 'data');
    const data = tinyData(dataDir, { train: 60, valid: 10, test: 10 });
    const dir = join(root, 'run');
    const r = cli(trainArgsFor(1, data, dir));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(cli([CLI, 'eval', '--run', dir]).status, 0, 'unchanged data evaluates');
    // the data changes after training: one more test row
    tinyData(dataDir, { train: 60, valid: 10, test: 11 });
    for (const args of [
      ['eval', '--run', dir],
      ['recommend', '--run', dir, '--history', '2'],
      ['diagnose', '--run', dir, '--users', '2'],
    ]) {
      const bad = cli([CLI, ...args]);
      assert.equal(bad.status, 1, args[0]);
      assert.match(bad.stderr, /data changed: the run was trained on .*fingerprint .*--allow-data-change true/);
      const ok = cli([CLI, ...args, '--allow-data-change', 'true']);
      assert.equal(ok.status, 0, `${args[0]}: ${ok.stderr}`);
      assert.match(ok.stderr, /WARNING: data changed/);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run safety: a header-only validation split fails before training, naming the problem', () => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-emptyvalid-'));
  try {
    const data = tinyData(join(root, 'data'), { train: 60, valid: 0, test: 10 });
    const dir = join(root, 'run');
    const t0 = Date.now();
    const r = cli(trainArgs(data, dir));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /valid/);
    assert.doesNotMatch(r.stderr, /epoch 1/, 'fails before the first epoch');
    assert.ok(!existsSync(join(dir, 'model.safetensors')));
    assert.ok(Date.now() - t0 < 60_000);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run safety: a retrain killed anywhere leaves the finished run loadable with identical recommendations; a resume finishes it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'genrec-kill-'));
  try {
    const data = tinyData(join(root, 'data'));
    const dir = join(root, 'run');
    assert.equal(cli(trainArgs(data, dir)).status, 0);
    const oldRecs = recsOf(dir);
    let oldId = loadRun(dir).runId;
    // the retrain's own result, uninterrupted, in another directory
    const refDir = join(root, 'ref');
    const t0 = Date.now();
    assert.equal(cli(trainArgs(data, refDir, '--seed', '1')).status, 0);
    const fullMs = Date.now() - t0;
    const newRecs = recsOf(refDir);
    assert.notEqual(newRecs, oldRecs, 'the retrain gives another model');

    const rng = new Rng('kill-anywhere');
    let before = 0;
    let after = 0;
    for (let k = 0; k < 6; k++) {
      const delay = Math.round((0.2 + 1.2 * rng.nextDouble()) * fullMs);
      const child = spawn(process.execPath, trainArgs(data, dir, '--seed', '1', '--overwrite', 'true'), {
        stdio: 'ignore',
      });
      const exited = new Promise<void>((res) => child.on('exit', () => res()));
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      await exited;
      clearTimeout(timer);
      const recs = recsOf(dir); // loads: never a damaged run
      const loaded = loadRun(dir);
      const id = loaded.runId;
      loaded.model.dispose();
      assert.equal(runIdOf(join(dir, 'results.json')), id, `kill at ${delay} ms: results and weights of one run`);
      if (id === oldId) {
        assert.equal(recs, oldRecs, `kill at ${delay} ms: the finished run recommends as before`);
        before++;
      } else {
        assert.equal(recs, newRecs, `kill at ${delay} ms: the completed retrain recommends as uninterrupted`);
        after++;
        // put the old run back for the next kill
        rmSync(dir, { recursive: true, force: true });
        assert.equal(cli(trainArgs(data, dir)).status, 0);
        assert.equal(recsOf(dir), oldRecs);
        oldId = loadRun(dir).runId;
      }
    }
    t.diagnostic(`kills: ${before} before the retrain completed, ${after} after (full run ${fullMs} ms)`);
    assert.ok(before >= 2, `most kills land before the retrain completes (${before} before, ${after} after)`);

    // a retrain killed in its second epoch, then resumed: the same model as the uninterrupted retrain
    const child = spawn(process.execPath, trainArgs(data, dir, '--seed', '1', '--overwrite', 'true'), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (/epoch 1\/2/.test(err)) child.kill('SIGKILL');
    });
    await new Promise<void>((res) => child.on('exit', () => res()));
    if (loadRun(dir).runId === oldId) {
      assert.ok(existsSync(join(dir, '.pending', 'config.json')), 'the unfinished retrain is pending');
      assert.equal(recsOf(dir), oldRecs);
      const rejected = cli(trainArgs(data, dir, '--seed', '2', '--resume', 'true'));
      assert.equal(rejected.status, 1);
      assert.match(rejected.stderr, /cannot resume .*seed: 1 then, 2 now/);
      const resumed = cli(trainArgs(data, dir, '--seed', '1', '--resume', 'true'));
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.match(resumed.stderr, /resume: continuing run/);
    }
    assert.equal(recsOf(dir), newRecs, 'the resumed retrain equals the uninterrupted one');
    assert.ok(!existsSync(join(dir, '.pending')));
    assert.ok(statSync(join(dir, 'checkpoints')).isDirectory());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('run directory: a publish interrupted after any of its steps is completed by recovery; before its commit, nothing moves', () => {
  const files = ['model.safetensors', 'ids.json', 'config.json', 'results.json'];
  const fill = (dir: string, what: string): void => {
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    for (const f of files) writeFileSync(join(dir, f), what);
    writeFileSync(join(dir, 'checkpoints', 'last.safetensors'), what);
  };
  const root = mkdtempSync(join(tmpdir(), 'genrec-publish-'));
  try {
    // steps: 0 = marker written, nothing moved; k = the first k files moved; files.length + 1 = checkpoints moved too
    for (let moved = 0; moved <= files.length + 1; moved++) {
      const dir = join(root, `d${moved}`);
      fill(dir, 'old');
      fill(join(dir, '.pending'), 'new');
      writeFileSync(join(dir, '.pending', 'publish.json'), JSON.stringify({ runId: 'r' }));
      for (const f of files.slice(0, moved)) renameSync(join(dir, '.pending', f), join(dir, f));
      if (moved > files.length) {
        rmSync(join(dir, 'checkpoints'), { recursive: true });
        renameSync(join(dir, '.pending', 'checkpoints'), join(dir, 'checkpoints'));
      }
      assert.equal(recoverRunDir(dir), true);
      for (const f of files) assert.equal(readFileSync(join(dir, f), 'utf8'), 'new', `${moved}: ${f}`);
      assert.equal(readFileSync(join(dir, 'checkpoints', 'last.safetensors'), 'utf8'), 'new');
      assert.ok(!existsSync(join(dir, '.pending')));
    }
    // no commit mark: an unfinished pending run is left alone, and so is the finished one
    const dir = join(root, 'unfinished');
    fill(dir, 'old');
    fill(join(dir, '.pending'), 'new');
    const before = snapshot(dir);
    assert.equal(recoverRunDir(dir), false);
    assert.deepEqual(snapshot(dir), before);
    publishRun(dir, 'r2');
    for (const f of files) assert.equal(readFileSync(join(dir, f), 'utf8'), 'new');
    assert.ok(!existsSync(join(dir, '.pending')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
