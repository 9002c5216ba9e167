// Graceful shutdown of `genrec serve` (a child process): on SIGTERM it stops accepting connections, finishes the
// request in flight (held in the batcher by a long window), frees the model and exits 0. Also: a bad flag exits 1
// naming the key; `genrec config serve` documents every key; `genrec recommend` lists unknown ids.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainTinyRun, type TinyRun } from './server-fixture.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
let run: TinyRun;

before(async () => {
  run = await trainTinyRun();
});

after(() => rmSync(run.dir, { recursive: true, force: true }));

test('serve: SIGTERM stops accepting, finishes the request in flight, exits 0', async () => {
  const child = spawn(
    process.execPath,
    [
      cli,
      'serve',
      '--run',
      run.dir,
      '--port',
      '0',
      '--threads',
      '1',
      '--logLevel',
      'silent',
      '--batchWindowMs',
      '1000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m && stderr.includes('ready:')) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
  });
  try {
    const history = run.data.test[0].history.map((i) => run.data.items[i].rawId);
    const inFlight = fetch(`${url}/v1/recommend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ history, k: 5 }),
    });
    // wait until the request sits in the decode queue (the 1 s window holds it there)
    for (;;) {
      const m = await (await fetch(`${url}/metrics`)).text();
      if (/^genrec_decode_queue_depth 1$/m.test(m)) break;
    }
    child.kill('SIGTERM');
    // new connections are refused from now on (or answered 503 on a kept-alive one) until the process exits
    for (;;) {
      const r = await fetch(`${url}/healthz`).catch(() => null);
      if (r === null || r.status === 503) break;
    }
    const reply = await inFlight;
    assert.equal(reply.status, 200);
    assert.equal(((await reply.json()) as { items: unknown[] }).items.length, 5);
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: no new connections; finishing in-flight requests/);
    assert.match(stderr, /stopped/);
    await assert.rejects(fetch(`${url}/healthz`));
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve: a bad flag or an unknown key exits 1 naming it', () => {
  const bad = spawnSync(process.execPath, [cli, 'serve', '--run', run.dir, '--port', 'eighty'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /serve\.port/);
  const unk = spawnSync(process.execPath, [cli, 'serve', '--run', run.dir, '--maxBatchh', '4'], { encoding: 'utf8' });
  assert.equal(unk.status, 1);
  assert.match(unk.stderr, /unknown key 'maxBatchh'.*did you mean 'maxBatch'/);
  const none = spawnSync(process.execPath, [cli, 'serve'], { encoding: 'utf8' });
  assert.equal(none.status, 1);
  assert.match(none.stderr, /--run DIR is required/);
  const missing = spawnSync(process.execPath, [cli, 'serve', '--run', join(run.dir, 'nothing'), '--port', '0'], {
    encoding: 'utf8',
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /missing model\.safetensors/);
  // the CLI's recommend resolves histories with the server's Catalogue: every unknown id is listed
  const rec = spawnSync(
    process.execPath,
    [cli, 'recommend', '--run', run.dir, '--history', 'zz1, zz2', '--threads', '1'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(rec.status, 1);
  assert.match(rec.stderr, /unknown item ids: zz1, zz2/);
  const docs = spawnSync(process.execPath, [cli, 'config', 'serve'], { encoding: 'utf8' });
  assert.equal(docs.status, 0);
  for (const key of ['host', 'port', 'batchWindowMs', 'maxBatch', 'decoders', 'bodyLimitBytes']) {
    assert.match(docs.stdout, new RegExp(`\\b${key}\\b`), key);
  }
});
