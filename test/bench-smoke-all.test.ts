// Every bench takes --smoke (bench/args.ts adds it to each bench's options): parsing only for all of them, and two
// cheap ones end to end — `bench engine` (its smoke result has the full run's keys) and `bench figure` (it writes
// only under runs/smoke/, never runs/bench/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHES } from '../bench/registry.js';

const NAMES = [
  'engine',
  'office',
  'sid',
  'sasrec',
  'objectives',
  'bear',
  'exact',
  'scoring',
  'figure',
  'serve',
  'list',
  'blade',
  'vstar',
];

test('every registered bench accepts --smoke (parsing only)', () => {
  assert.deepEqual(Object.keys(BENCHES).sort(), [...NAMES].sort());
  for (const [name, bench] of Object.entries(BENCHES)) {
    assert.equal(bench.parse(['--smoke']).options.smoke, true, name);
    assert.equal(bench.parse(['--smoke=false']).options.smoke, false, name);
    assert.equal(bench.parse([]).options.smoke, undefined, name);
    assert.throws(() => bench.parse(['--smoke', 'maybe']), /--smoke must be true or false/, name);
    assert.throws(() => bench.parse(['--smoke', '--smoke']), /--smoke given twice/, name);
  }
});

/** Runs `fn` with console.log silenced and stderr lines collected, in a fresh temporary working directory. */
async function quietly<T>(fn: () => T | Promise<T>): Promise<{ value: T; dir: string; stderr: string }> {
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'genrec-smoke-'));
  const [log, write] = [console.log, process.stderr.write];
  let stderr = '';
  console.log = () => {};
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof write;
  process.chdir(dir);
  try {
    return { value: await fn(), dir, stderr };
  } finally {
    process.chdir(cwd);
    console.log = log;
    process.stderr.write = write;
  }
}

test('bench engine --smoke: a few steps, the same keys as the full run', async () => {
  const smoke = await quietly(() => BENCHES.engine(['--smoke', '--threads', '1']));
  const full = await quietly(() => BENCHES.engine(['--threads', '1']));
  try {
    assert.deepEqual(Object.keys(smoke.value), Object.keys(full.value));
    assert.deepEqual(Object.keys(smoke.value), ['train_step_ms', 'forward_ms', 'decode_step_ms', 'rss_mb', 'threads']);
    for (const v of Object.values(smoke.value)) assert.ok(Number.isFinite(v));
  } finally {
    rmSync(smoke.dir, { recursive: true, force: true });
    rmSync(full.dir, { recursive: true, force: true });
  }
});

test('bench figure --smoke: a synthetic results file and its figure under runs/smoke, nothing under runs/bench', async () => {
  const { value, dir, stderr } = await quietly(() => BENCHES.figure(['--smoke']));
  try {
    const r = value as { out: string; files: string[]; sets: string[] };
    assert.deepEqual(Object.keys(r), ['out', 'files', 'sets']);
    assert.deepEqual(r.sets, ['smoke']);
    assert.match(r.out, /^runs[/\\]smoke[/\\]figure-\d+-\d+[/\\]figure-bear\.svg$/);
    assert.match(stderr, /smoke run: everything it writes goes under runs[/\\]smoke[/\\]figure-/);
    assert.match(readFileSync(join(dir, r.out), 'utf8'), /series: BEAR;/);
    assert.ok(!existsSync(join(dir, 'runs', 'bench')));
    assert.deepEqual(readdirSync(join(dir, 'runs')), ['smoke']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
