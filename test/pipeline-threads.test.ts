// Thread-count choice: free cores measured from /proc/stat now (not the 1-minute load average,
// which still counts a job that just ended), own CPU time counted as free, and bounds on
// --threads / the threads key / GENREC_THREADS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { getNumThreads } from '../src/engine/index.js';
import { applyThreads, chooseThreads, threadChoice, type CpuProbe } from '../src/pipeline/threads.js';
import { ConfigError } from '../src/util/config.js';
import { freeCoresFrom, parseProcStat, type CpuSample } from '../src/util/cpu-idle.js';

// Two CPUs; fields: user nice system idle iowait irq softirq steal guest guest_nice.
const stat = (f: number[]): string =>
  `cpu  ${f.join(' ')} 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nintr 1 2\n`;
const BEFORE = stat([1000, 0, 500, 8000, 100, 0, 0, 0]);
/** A 150 ms window (the jiffies are round made-up numbers; only their shares matter). */
function sample(after: number[], ownMicros: number): CpuSample {
  return { before: BEFORE, after: stat(after), ownMicros, windowMicros: 150_000 };
}

test('cpu-idle: parseProcStat sums idle + iowait, counts steal as busy, counts the cpuN lines', () => {
  const t = parseProcStat(stat([10, 1, 5, 70, 4, 2, 3, 5]));
  assert.deepEqual(t, { idle: 74, total: 100, cpus: 2 });
  assert.throws(() => parseProcStat('intr 1 2\n'), /no aggregate cpu line/);
});

test('cpu-idle: free cores from two snapshots, hand-computed', () => {
  // 200 jiffies elapsed over 2 CPUs: busy 50 user + 10 system, idle 130 + iowait 10.
  // Idle share 140/200 = 0.7 → 1.4 cores; this process used 45 ms of 150 ms = 0.3 cores → 1.7 → 2.
  const withOwn = freeCoresFrom(sample([1050, 0, 510, 8130, 110, 0, 0, 0], 45_000), 2)!;
  assert.equal(withOwn.free, 2);
  assert.ok(Math.abs(withOwn.available - 1.7) < 1e-9, String(withOwn.available));
  assert.equal(withOwn.cpus, 2);
  // The same busy time from another process (own 0): 1.4 → 1 core.
  assert.equal(freeCoresFrom(sample([1050, 0, 510, 8130, 110, 0, 0, 0], 0), 2)!.free, 1);
  // Another process keeps one CPU busy: 100 of 200 jiffies idle → 1.
  assert.equal(freeCoresFrom(sample([1100, 0, 500, 8100, 100, 0, 0, 0], 0), 2)!.free, 1);
  // Everything busy still leaves 1; a machine with more CPUs than this process may use is clamped.
  assert.equal(freeCoresFrom(sample([1200, 0, 500, 8000, 100, 0, 0, 0], 0), 2)!.free, 1);
  assert.equal(freeCoresFrom(sample([1000, 0, 500, 8200, 100, 0, 0, 0], 0), 1)!.free, 1);
  // No time elapsed: no measurement.
  assert.equal(freeCoresFrom({ ...sample([], 0), after: BEFORE }, 2), undefined);
});

// Idle now (1.95 of 2 cores free) right after another job: the load average still reads 1.9.
const idleNow = sample([1005, 0, 500, 8190, 105, 0, 0, 0], 0);
const probe = (s: CpuSample | undefined): CpuProbe => ({ cores: 2, sample: () => s, loadavg1: () => 1.9 });

test('threads: an idle-now machine with a high load average gets every core', () => {
  const c = chooseThreads(0, undefined, probe(idleNow));
  assert.equal(c.threads, 2);
  assert.equal(c.why, 'auto: 1.95 of 2 cores free over 150 ms');
  // Without /proc/stat (not Linux) the load average is the fallback: 2 - 1.9 → 1.
  assert.deepEqual(chooseThreads(0, undefined, probe(undefined)), {
    threads: 1,
    why: 'auto: 2 cores minus 1-minute load average 1.90',
  });
});

test('threads: --threads / threads above the cores is an error naming the key; GENREC_THREADS is validated', () => {
  const p = probe(idleNow);
  assert.throws(
    () => chooseThreads(100000, undefined, p),
    (e: Error) =>
      e instanceof ConfigError &&
      e.key === 'threads' &&
      /threads: 100000 exceeds this machine's 2 cores/.test(e.message),
  );
  assert.throws(() => chooseThreads(3, undefined, p), /threads: 3 exceeds this machine's 2 cores/);
  assert.throws(() => chooseThreads(Number('abc'), undefined, p), /threads: NaN is not a whole number/);
  assert.deepEqual(chooseThreads(2, 'abc', p), { threads: 2, why: 'requested' }); // the flag wins
  assert.deepEqual(chooseThreads(0, '1', p), { threads: 1, why: 'GENREC_THREADS' });
  assert.deepEqual(chooseThreads(0, '', p).threads, 2); // empty: unset
  for (const bad of ['abc', '0', '3', '1.5', '-1']) {
    assert.throws(
      () => chooseThreads(0, bad, p),
      new RegExp(`GENREC_THREADS=${bad}: expected a whole number from 1 to this machine's 2 cores`),
    );
  }
});

test('threads: applyThreads sets the count, logs it and says why', () => {
  const before = getNumThreads();
  const lines: string[] = [];
  assert.equal(
    applyThreads(1, (l) => lines.push(l)),
    1,
  );
  assert.deepEqual(lines, ['threads: 1 (requested)']);
  assert.equal(threadChoice(), '1 thread (requested)');
  assert.equal(getNumThreads(), 1);
  const saved = process.env.GENREC_THREADS;
  delete process.env.GENREC_THREADS;
  try {
    const n = applyThreads(0);
    assert.ok(n >= 1 && n <= availableParallelism());
    assert.match(threadChoice()!, /^\d+ threads? \(auto: /);
  } finally {
    if (saved !== undefined) process.env.GENREC_THREADS = saved;
    applyThreads(before);
  }
});
