// Child process for engine-threads.test.ts: uses the engine from worker_threads, so that a crash
// of the binding (a shared handle table) fails the test instead of killing the test runner.
// Prints one JSON line with what it measured. The same file is the workers' body.
//   node engine-threads-fixture.js concurrent <iterations>  two workers loop zeros → add → sum().item()
//   node engine-threads-fixture.js cleanup <workers>         workers exit holding a 128 MB tensor each
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { liveTensors, zeros, type Tensor } from '../src/engine/index.js';

interface Job {
  mode: 'concurrent' | 'cleanup';
  index: number;
  iterations: number;
  /** Int32 counter of workers ready: each waits for all, so their loops really overlap. */
  ready?: SharedArrayBuffer;
  workers?: number;
}
/** What a worker reports: wrong sums seen, and its own liveTensors() while holding `held` tensors. */
interface Report {
  wrong: number;
  live: number;
  held: number;
}
const HELD = 5;
const BIG = 32 * 1024 * 1024; // float32 elements: 128 MB

function workerMain(job: Job): void {
  const port = parentPort!;
  if (job.mode === 'cleanup') {
    zeros([BIG]); // never disposed: the environment's teardown must free it
    port.postMessage({ wrong: 0, live: liveTensors(), held: 1 } satisfies Report);
    return;
  }
  const ready = new Int32Array(job.ready!);
  Atomics.add(ready, 0, 1);
  Atomics.notify(ready, 0);
  for (let seen = Atomics.load(ready, 0); seen < job.workers!; seen = Atomics.load(ready, 0)) {
    Atomics.wait(ready, 0, seen, 5000);
  }
  // Each worker has its own shape and addend, so a tensor crossing over shows as a wrong sum.
  const n = 100 + job.index * 17;
  const addend = job.index + 1;
  let wrong = 0;
  for (let i = 0; i < job.iterations; i++) {
    const a = zeros([n]);
    const b = a.add(addend);
    const s = b.sum();
    if (s.item() !== n * addend) wrong++;
    s.dispose();
    b.dispose();
    a.dispose();
  }
  const kept: Tensor[] = [];
  for (let i = 0; i < HELD; i++) kept.push(zeros([3]));
  port.postMessage({ wrong, live: liveTensors(), held: HELD } satisfies Report);
  // Stay alive (holding `kept`) until the parent has read its own count; exit without disposing.
  port.once('message', () => port.close());
}

function runWorker(job: Job, beforeExit?: () => void): Promise<Report> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    let report: Report | undefined;
    w.once('message', (r: Report) => {
      report = r;
      beforeExit?.();
      w.postMessage('exit');
    });
    w.once('error', reject);
    w.once('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`worker exit ${code}`))));
  });
}

async function main(): Promise<void> {
  const [mode, count] = [process.argv[2], Number(process.argv[3])];
  const mine = zeros([2]); // the main thread's only tensor
  if (mode === 'concurrent') {
    const liveSeen: number[] = [];
    const ready = new SharedArrayBuffer(4);
    const jobs = [0, 1].map((index): Job => ({ mode, index, iterations: count, ready, workers: 2 }));
    const reports = await Promise.all(jobs.map((j) => runWorker(j, () => liveSeen.push(liveTensors()))));
    console.log(JSON.stringify({ reports, liveSeen, liveAfter: liveTensors() }));
  } else {
    const rss = (): number => process.memoryUsage().rss / 2 ** 20;
    const before = rss();
    const reports: Report[] = [];
    for (let i = 0; i < count; i++) reports.push(await runWorker({ mode: 'cleanup', index: i, iterations: 0 }));
    console.log(JSON.stringify({ reports, rssGrowthMb: rss() - before, liveAfter: liveTensors() }));
  }
  mine.dispose();
}

if (isMainThread) await main();
else workerMain(workerData as Job);
