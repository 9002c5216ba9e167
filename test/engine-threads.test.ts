// The engine across threads: worker_threads each get their own handle table (no crash, correct
// sums, the main thread's liveTensors() untouched, a worker's tensors freed when it exits), and
// setNumThreads refuses more threads than the machine has cores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads, setNumThreads } from '../src/engine/index.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-threads-fixture.js');

function runChild(...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [fixture, ...args], { encoding: 'utf8', timeout: 60_000 });
  const how = r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
  assert.equal(r.status, 0, `child ${args.join(' ')} ended with ${how}:\n${r.stdout}\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

test('threads: two workers using the engine at once do not crash and compute correct sums', () => {
  // Before the per-environment table this crashed (SIGSEGV / double free) within 20,000 steps.
  const out = runChild('concurrent', '20000') as {
    reports: { wrong: number; live: number; held: number }[];
    liveSeen: number[];
    liveAfter: number;
  };
  assert.equal(out.reports.length, 2);
  for (const r of out.reports) {
    assert.equal(r.wrong, 0, 'a worker read a wrong sum');
    assert.equal(r.live, r.held, "a worker's liveTensors() counts only its own tensors");
  }
  // The main thread holds one tensor throughout; the workers' held tensors are not its own.
  assert.deepEqual(out.liveSeen, [1, 1]);
  assert.equal(out.liveAfter, 1);
});

test('threads: a worker that exits holding tensors frees them', () => {
  // Six workers each exit holding a 128 MB tensor; kept, they would add 768 MB to the process.
  const out = runChild('cleanup', '6') as { reports: { live: number }[]; rssGrowthMb: number; liveAfter: number };
  assert.deepEqual(
    out.reports.map((r) => r.live),
    [1, 1, 1, 1, 1, 1],
  );
  assert.ok(out.rssGrowthMb < 256, `RSS grew ${out.rssGrowthMb.toFixed(0)} MB across 6 exited workers`);
  assert.equal(out.liveAfter, 1);
});

test('setNumThreads: more threads than cores, or not a positive integer, is a RangeError naming the limit', () => {
  const cores = availableParallelism();
  const before = getNumThreads();
  assert.throws(
    () => setNumThreads(100000),
    (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, new RegExp(`100000 exceeds this machine's ${cores} core`));
      return true;
    },
  );
  assert.throws(() => setNumThreads(cores + 1), RangeError);
  assert.throws(() => setNumThreads(0), RangeError);
  assert.throws(() => setNumThreads(1.5), RangeError);
  assert.equal(getNumThreads(), before, 'a refused count changes nothing');
  setNumThreads(cores);
  assert.equal(getNumThreads(), cores);
  setNumThreads(before);
});
