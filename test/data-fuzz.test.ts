// Fuzz test of the CSV / JSONL loaders (acceptance test of the reliability issue): a few thousand seeded random
// mutations (bit flips; inserted quotes, commas, line breaks, invalid UTF-8, huge and odd numbers; deletions,
// truncation, duplicated lines, duplicated columns or keys, header-only files) of valid small inputs of the window
// CSV, JSONL sequence and interaction-log loaders, read with random chunk sizes. Every case must load (without
// U+FFFD or rounded ids) or fail with a DataError naming one of its files; none may crash or hang. The cases run
// in a worker so that a hang is caught (no progress for 20 s) and reported with its seed and case index.
// GENREC_FUZZ_SEED / GENREC_FUZZ_CASES override the seed and the case count.
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { it } from 'node:test';
import type { FuzzSummary } from './data-fuzz-worker.js';

const seed = Number(process.env.GENREC_FUZZ_SEED ?? 20240611);
const cases = Number(process.env.GENREC_FUZZ_CASES ?? 3000);

it(`loaders survive ${cases} mutated inputs (seed ${seed})`, { timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const worker = new Worker(new URL('./data-fuzz-worker.js', import.meta.url), {
    workerData: { fuzz: { seed, cases } },
  });
  let current = 0;
  const summary = await new Promise<FuzzSummary>((resolve, reject) => {
    let watchdog: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`fuzz hung: no progress for 20 s at seed ${seed}, case ${current} or after`));
      }, 20_000);
    };
    arm();
    worker.on('message', (m: { progress?: number; summary?: FuzzSummary }) => {
      if (m.progress !== undefined) {
        current = m.progress;
        arm();
      }
      if (m.summary) {
        clearTimeout(watchdog);
        resolve(m.summary);
      }
    });
    worker.on('error', (e) => {
      clearTimeout(watchdog);
      reject(new Error(`fuzz worker crashed near seed ${seed}, case ${current}: ${e.stack ?? e.message}`));
    });
    worker.on('exit', (code) => {
      clearTimeout(watchdog);
      if (code !== 0) reject(new Error(`fuzz worker exited with ${code} near seed ${seed}, case ${current}`));
    });
  });
  await worker.terminate();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `fuzz seed ${seed}: ${summary.cases} cases in ${secs} s, ${summary.loaded} loaded, ${summary.dataErrors} DataErrors; ` +
      JSON.stringify(summary.byTarget),
  );
  assert.equal(summary.cases, cases);
  const shown = summary.failures
    .slice(0, 10)
    .map(
      (f) =>
        `seed ${f.seed} case ${f.index} (${f.target}, chunk ${f.chunkSize}; ${f.mutations.join('; ')}): ${f.error}`,
    );
  assert.equal(summary.failures.length, 0, `${summary.failures.length} failing cases:\n${shown.join('\n')}`);
  // the mutations must reach both outcomes for every loader
  for (const [name, s] of Object.entries(summary.byTarget)) {
    assert.ok(s.loaded > 0 && s.failed > 0, `${name}: ${JSON.stringify(s)}`);
  }
});
