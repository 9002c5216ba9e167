// Dynamic batching: the batcher's queue rules on a fake decoder, and over real sockets that concurrent requests are
// decoded in shared batches yet each gets exactly what it gets alone (beam, greedy, per-user exclusion, sampling).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { loadRunWithCatalogue, type RunWithCatalogue } from '../src/pipeline/load-run.js';
import { buildServer, type GenrecServer } from '../src/server/app.js';
import { Batcher, QueueFullError } from '../src/server/batcher.js';
import { testServeConfig, trainTinyRun, type TinyRun } from './server-fixture.js';

test('batcher: one decode per key within the window, split at maxBatch, keyless jobs alone', async () => {
  const calls: string[][] = [];
  const b = new Batcher<string, string>({ windowMs: 20, maxBatch: 3, maxQueue: 100 }, (jobs) => {
    calls.push(jobs);
    return jobs.map((j) => j.toUpperCase());
  });
  const out = await Promise.all([
    b.submit('x', 'a'),
    b.submit('y', 'b'),
    b.submit('x', 'c'),
    b.submit(null, 'd'),
    b.submit('x', 'e'),
    b.submit('x', 'f'),
    b.submit(null, 'g'),
  ]);
  assert.deepEqual(out, ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
  const sorted = calls.map((c) => c.join('')).sort();
  assert.deepEqual(sorted, ['ace', 'b', 'd', 'f', 'g'], 'x batched up to 3, y alone, keyless alone');
  assert.equal(b.pending, 0);
});

test('batcher: a failing job fails alone; a full queue refuses', async () => {
  const b = new Batcher<number, number>({ windowMs: 5, maxBatch: 8, maxQueue: 4 }, (jobs) =>
    jobs.map((j) => {
      if (j < 0) throw new Error(`bad job ${j}`);
      return j * 2;
    }),
  );
  const rs = await Promise.allSettled([b.submit('k', 1), b.submit('k', -1), b.submit('k', 3), b.submit('k', 4)]);
  assert.deepEqual(
    rs.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.equal((rs[2] as PromiseFulfilledResult<number>).value, 6);
  assert.match(String((rs[1] as PromiseRejectedResult).reason), /bad job -1/);
  const held = [1, 2, 3, 4].map((j) => b.submit('k', j));
  await assert.rejects(b.submit('k', 5), QueueFullError);
  assert.deepEqual(await Promise.all(held), [2, 4, 6, 8]);
});

let run: TinyRun;
let loaded: RunWithCatalogue;
let batched: GenrecServer;
let alone: GenrecServer;
let batchedUrl: string;
let aloneUrl: string;

before(async () => {
  run = await trainTinyRun();
  loaded = loadRunWithCatalogue(run.dir, false, () => {});
  batched = await buildServer(testServeConfig({ maxBatch: 8, batchWindowMs: 100 }), run.dir);
  batched.setServing(loaded);
  alone = await buildServer(testServeConfig({ maxBatch: 1 }), run.dir);
  alone.setServing(loaded);
  batchedUrl = await batched.app.listen({ host: '127.0.0.1', port: 0 });
  aloneUrl = await alone.app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  await batched.app.close();
  await alone.app.close();
  loaded.run.model.dispose();
  rmSync(run.dir, { recursive: true, force: true });
});

async function recommendAt(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}/v1/recommend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

type Items = { id: string; title: string; logProb: number }[];

/**
 * The same response: the same items in the same order, the same settings; log-probabilities equal up to float32
 * rounding (a batched matrix product sums in another order than a single row's: measured ≤ 2e-6 apart at −190).
 */
function assertSameResponse(got: Record<string, unknown>, want: Record<string, unknown>, what: string): void {
  const strip = (r: Record<string, unknown>) => ({
    ...r,
    items: (r.items as Items).map(({ id, title }) => ({ id, title })),
  });
  assert.deepEqual(strip(got), strip(want), what);
  const g = got.items as Items;
  const w = want.items as Items;
  for (let j = 0; j < g.length; j++) {
    const tol = 1e-6 * Math.max(1, Math.abs(w[j].logProb));
    assert.ok(Math.abs(g[j].logProb - w[j].logProb) <= tol, `${what}: item ${j}: ${g[j].logProb} vs ${w[j].logProb}`);
  }
}

/** Batches and their sizes, from the server's metrics. */
async function batchStats(url: string): Promise<{ batches: number; requests: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { batches: read('genrec_decode_batch_size_count'), requests: read('genrec_decode_batch_size_sum') };
}

test('batching over sockets: concurrent requests share batches; each response equals the request decoded alone', async () => {
  const hist = (u: number) => run.data.test[u % run.data.test.length].history.map((i) => run.data.items[i].rawId);
  const bodies: unknown[] = [];
  for (let u = 0; u < 8; u++) {
    bodies.push({ history: hist(u), k: 5 }); // one beam group (with or without exclusion: per-user sets)
    bodies.push({ history: hist(u + 1), k: 5, excludeHistory: u % 2 === 0 });
    bodies.push({ history: hist(u), decoder: 'greedy' });
    bodies.push({ history: hist(u + 2), k: 3, beamWidth: 7, scoring: 'valid' });
  }
  bodies.push({ history: hist(0), decoder: 'sample', k: 4, temperature: 1.5, seed: 3 });
  bodies.push({ history: hist(1), decoder: 'sample', k: 4, temperature: 1.5, seed: 3 });
  const before = await batchStats(batchedUrl);
  const together = await Promise.all(bodies.map((b) => recommendAt(batchedUrl, b)));
  const after = await batchStats(batchedUrl);
  const single: { status: number; json: Record<string, unknown> }[] = [];
  for (const b of bodies) single.push(await recommendAt(aloneUrl, b));
  for (let i = 0; i < bodies.length; i++) {
    assert.equal(together[i].status, 200, JSON.stringify(together[i].json));
    assertSameResponse(together[i].json, single[i].json, `request ${i} (${JSON.stringify(bodies[i])})`);
  }
  const batches = after.batches - before.batches;
  assert.equal(after.requests - before.requests, bodies.length, 'every request decoded once');
  assert.ok(batches < bodies.length / 2, `${bodies.length} requests in ${batches} batches`);
  const aloneStats = await batchStats(aloneUrl);
  assert.equal(aloneStats.batches, aloneStats.requests, 'maxBatch 1: every request alone');
});
