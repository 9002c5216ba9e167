// npm run bench -- serve [--set amazon-office] [--dataDir ../shared/data] [--requests 300] [--rssRequests 10000]
//                        [--concurrency 1,8,32] [--beamWidth 10] [--threads 1] [--reuse true] [--smoke]
// Load test of `genrec serve` (a child process on loopback) with autocannon: a small-preset MSL run on the set
// (trained once, one epoch without prefix expansion, under runs/bench/<set>-msl-s0-serve, reused after); POST
// /v1/recommend with the test histories in turn, beam search B = --beamWidth, k = 10. For each of batching on (serve
// defaults: window 5 ms, up to 32) and off (maxBatch 1), and each concurrency: --requests requests; throughput,
// p50 / p99 latency, errors. Then, batching on at the highest concurrency, --rssRequests requests: the server's RSS
// (and JS heap, live tensors) before, after the first tenth and after all. --smoke: the tiny preset on the embedded
// set's first 100 users, 40 requests per level, 1,000 for RSS. Prints a table; the last line is one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { loadDatasetFromSpec } from '../src/pipeline/dataset.js';
import { resolveRunConfig } from '../src/pipeline/config.js';
import { setSpec, userSubset } from '../src/experiment/data.js';
import { benchRunDir } from '../src/experiment/naming.js';
import { trainOrReuse } from '../src/experiment/store.js';
import { formatConsoleTable, type Row } from '../src/report/table.js';
import { benchCommand, smokeRoot, SMOKE_RUN, SMOKE_USERS, type BenchArgs } from './args.js';

const SERVE_OPTIONS = {
  set: 'string',
  dataDir: 'string',
  requests: 'positive',
  rssRequests: 'positive',
  concurrency: 'string',
  beamWidth: 'positive',
  threads: 'count',
  reuse: 'bool',
} as const;
type ServeArgs = BenchArgs<typeof SERVE_OPTIONS>;

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
const log = (l: string) => void process.stderr.write(l + '\n');

export const serveBench = benchCommand('serve', SERVE_OPTIONS, false, (args) => runServeBench(args));

/** A `genrec serve` child process, ready. */
interface ServerProcess {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startServer(dir: string, threads: number, flags: string[]): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--run', dir, '--port', '0', '--threads', String(threads), '--logLevel', 'warn', ...flags],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let stderr = '';
  const url = await new Promise<string>((res, rej) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m && stderr.includes('ready:')) res(m[1]);
    });
    child.on('exit', (code) => rej(new Error(`genrec serve exited with ${code}:\n${stderr}`)));
  });
  return { url, child, exited };
}

/** SIGTERM, and the exit code (0 = a graceful shutdown). */
async function stopServer(s: ServerProcess): Promise<number | null> {
  s.child.kill('SIGTERM');
  return s.exited;
}

/** The server's resident memory and JS heap in use (MB), and its live engine tensors, from /metrics. */
async function memory(url: string): Promise<{ rssMb: number; heapMb: number; tensors: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`bench serve: no ${name} in /metrics`);
    return Number(m[1]);
  };
  return {
    rssMb: read('process_resident_memory_bytes') / 2 ** 20,
    heapMb: read('nodejs_heap_size_used_bytes') / 2 ** 20,
    tensors: read('genrec_live_tensors'),
  };
}

interface Load {
  requests: number;
  seconds: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** `amount` requests at `connections`, each POSTing the next body of `bodies`. */
async function load(url: string, bodies: string[], connections: number, amount: number): Promise<Load> {
  let next = 0;
  const t0 = performance.now();
  let last = t0;
  const r = await autocannon({
    url: `${url}/v1/recommend`,
    connections,
    amount,
    timeout: 120,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
        onResponse: () => void (last = performance.now()),
      },
    ],
  });
  // first request to last answer (autocannon's own duration, and its end, come in whole seconds)
  const seconds = (last - t0) / 1000;
  const done = r['2xx'] + r.non2xx;
  return {
    requests: done,
    seconds,
    perSec: done / seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: amount - r['2xx'], // connection errors, timeouts, non-2xx answers, requests never answered
  };
}

interface RssResult {
  requests: number;
  firstRequests: number;
  beforeMb: number;
  afterFirstMb: number;
  afterAllMb: number;
  /** JS heap in use and live engine tensors: before, after the first requests, after all. */
  heapMb: number[];
  liveTensors: number[];
  /** RSS after all vs after the first requests. */
  growthPct: number;
  perSec: number;
  errors: number;
}

async function runServeBench(args: ServeArgs): Promise<Record<string, unknown>> {
  const { options } = args;
  const smoke = options.smoke ?? false;
  const threads = options.threads ?? 1;
  const beamWidth = options.beamWidth ?? 10;
  const perLevel = options.requests ?? (smoke ? 40 : 300);
  const rssTotal = options.rssRequests ?? (smoke ? 1000 : 10000);
  const rssFirst = Math.round(rssTotal / 10);
  const levels = (options.concurrency ?? '1,8,32').split(',').map((s) => {
    const c = Number(s);
    if (!Number.isInteger(c) || c < 1) throw new Error(`bench serve: --concurrency entry '${s}' is not an integer ≥ 1`);
    return c;
  });
  const cMax = Math.max(...levels);
  if (perLevel < cMax || rssFirst < cMax) {
    throw new Error(
      `bench serve: --requests (${perLevel}) and a tenth of --rssRequests (${rssFirst}) must be at least the highest --concurrency (${cMax})`,
    );
  }
  const dataDir = options.dataDir ?? process.env.GENREC_SHARED_DATA ?? resolve(process.cwd(), '../shared/data');
  const set = smoke ? 'embedded:office-mini' : (options.set ?? 'amazon-office');
  if (!smoke && !existsSync(join(dataDir, set, 'train.csv'))) {
    throw new Error(`bench serve: ${join(dataDir, set)}/train.csv not found (set --dataDir, or run --smoke)`);
  }
  const spec = setSpec(set, dataDir, true);
  const full = loadDatasetFromSpec(spec);
  const ds = smoke ? userSubset(full, SMOKE_USERS) : full;
  const root = smoke ? smokeRoot('serve') : undefined;
  const out = benchRunDir(ds.name, 'msl', 0, 'serve', root);
  const cfg = resolveRunConfig([
    {
      value: {
        dataset: spec,
        objective: 'msl',
        preset: 'small',
        seed: 0,
        out,
        threads,
        select: false,
        trainOnPrefixes: false,
        trainer: { epochs: 1 },
        eval: { validUsers: 100 },
      },
      source: 'bench serve',
    },
    { value: smoke ? SMOKE_RUN : {}, source: 'bench serve --smoke' },
  ]);
  await trainOrReuse(cfg, ds, { reuse: options.reuse ?? true, log });

  // the test histories in turn, by raw id; beam search of width B, top 10
  const k = Math.min(10, beamWidth);
  const bodies = ds.test.map((e) =>
    JSON.stringify({ history: e.history.map((i) => ds.items[i].rawId), k, decoder: 'beam', beamWidth }),
  );
  // smoke: the run was trained on a user subset (another fingerprint) of the same catalogue, which the server loads
  const common = smoke ? ['--allowDataChange', 'true'] : [];
  const modes = { batched: common, unbatched: [...common, '--maxBatch', '1'] };
  const results: Record<string, Record<string, Load>> = {};
  const rows: Row[] = [];
  let errors = 0;
  let exitCodes: (number | null)[] = [];
  for (const [mode, flags] of Object.entries(modes)) {
    const server = await startServer(out, threads, flags);
    results[mode] = {};
    try {
      await load(server.url, bodies, 1, Math.min(20, perLevel)); // warm-up
      for (const c of levels) {
        const r = await load(server.url, bodies, c, perLevel);
        log(`[bench serve] ${mode} c=${c}: ${r.perSec.toFixed(1)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
        results[mode][`c${c}`] = r;
        errors += r.errors;
        rows.push({ mode, concurrency: c, 'req/s': r.perSec, 'p50 ms': r.p50Ms, 'p99 ms': r.p99Ms, errors: r.errors });
      }
    } finally {
      exitCodes.push(await stopServer(server));
    }
  }
  // RSS over many requests, batching on, the highest concurrency
  const server = await startServer(out, threads, common);
  let rss: RssResult;
  try {
    const before = await memory(server.url);
    const first = await load(server.url, bodies, cMax, rssFirst);
    const afterFirst = await memory(server.url);
    const rest = await load(server.url, bodies, cMax, rssTotal - rssFirst);
    const afterAll = await memory(server.url);
    const afterAllMb = afterAll.rssMb;
    const afterFirstMb = afterFirst.rssMb;
    errors += first.errors + rest.errors;
    rss = {
      requests: rssTotal,
      firstRequests: rssFirst,
      beforeMb: before.rssMb,
      afterFirstMb,
      afterAllMb,
      heapMb: [before.heapMb, afterFirst.heapMb, afterAll.heapMb],
      liveTensors: [before.tensors, afterFirst.tensors, afterAll.tensors],
      growthPct: (100 * (afterAllMb - afterFirstMb)) / afterFirstMb,
      perSec: (first.requests + rest.requests) / (first.seconds + rest.seconds),
      errors: first.errors + rest.errors,
    };
  } finally {
    exitCodes = [...exitCodes, await stopServer(server)];
  }
  const speedup = Object.fromEntries(
    levels.map((c) => [`c${c}`, results.batched[`c${c}`].perSec / results.unbatched[`c${c}`].perSec]),
  );
  console.log(
    formatConsoleTable(rows, [
      'mode',
      'concurrency',
      { key: 'req/s', decimals: 1 },
      { key: 'p50 ms', decimals: 0 },
      { key: 'p99 ms', decimals: 0 },
      'errors',
    ]),
  );
  console.log(
    `batching speed-up: ${levels.map((c) => `c${c} ${speedup[`c${c}`].toFixed(2)}×`).join(', ')}; errors ${errors}; RSS ${rss.beforeMb.toFixed(0)} MB before, ${rss.afterFirstMb.toFixed(0)} MB after ${rssFirst}, ${rss.afterAllMb.toFixed(0)} MB after ${rssTotal} (${rss.growthPct.toFixed(1)}%)`,
  );
  return {
    bench: 'serve',
    run: out,
    dataset: ds.name,
    items: ds.items.length,
    threads,
    beamWidth,
    k,
    requestsPerLevel: perLevel,
    results,
    batchingSpeedup: speedup,
    errors,
    rss,
    gracefulExits: exitCodes.every((c) => c === 0),
  };
}
