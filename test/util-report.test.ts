import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatCell, formatConsoleTable, formatMarkdownTable, type Row } from '../src/report/table.js';
import { readResults, writeResults } from '../src/report/results.js';

const rows: Row[] = [
  { method: 'SFT', 'ndcg@10': { mean: 0.04123, std: 0.0012 }, epochs: 10 },
  { method: 'BEAR | λ=1', 'ndcg@10': { mean: 0.05, std: NaN }, epochs: null },
];

test('formatCell', () => {
  assert.equal(formatCell(0.123456), '0.1235');
  assert.equal(formatCell(0.123456, 2), '0.12');
  assert.equal(formatCell(3), '3');
  assert.equal(formatCell(3, 2), '3.00');
  assert.equal(formatCell({ mean: 0.5, std: 0.01 }), '0.5000 ± 0.0100');
  assert.equal(formatCell({ mean: 0.5, std: NaN }), '0.5000');
  assert.equal(formatCell(null), '–');
  assert.equal(formatCell(NaN), 'NaN');
});

test('console table is aligned; numeric columns right-aligned; best marked', () => {
  const t = formatConsoleTable(rows, ['method', { key: 'ndcg@10', header: 'NDCG@10', best: 'max' }, 'epochs']);
  assert.equal(
    t,
    [
      'method              NDCG@10  epochs',
      '----------  ---------------  ------',
      'SFT         0.0412 ± 0.0012      10',
      'BEAR | λ=1          0.0500*       –',
      '',
    ].join('\n'),
  );
});

test('markdown table escapes pipes, aligns numbers, bolds best', () => {
  const md = formatMarkdownTable(rows, ['method', { key: 'ndcg@10', decimals: 3, best: 'min' }], { decimals: 2 });
  assert.equal(
    md,
    ['| method | ndcg@10 |', '| --- | ---: |', '| SFT | **0.041 ± 0.001** |', '| BEAR \\| λ=1 | 0.050 |', ''].join(
      '\n',
    ),
  );
  assert.throws(() => formatMarkdownTable(rows, []), /at least one column/);
});

test('writeResults writes atomically with timestamp and code version; readResults validates', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genrec-results-'));
  try {
    const file = path.join(dir, 'runs', 'r1', 'results.json');
    const rec = await writeResults(
      file,
      {
        kind: 'eval',
        config: { lr: 0.001 },
        dataset: { name: 'beauty', fingerprint: 'abc123', protocol: 'leave-one-out' },
        metrics: { 'ndcg@10': 0.05 },
        perUser: { 'ndcg@10': Float64Array.from([0, 1]) },
        note: undefined,
      },
      new Date('2025-01-02T03:04:05Z'),
    );
    assert.equal(rec.timestamp, '2025-01-02T03:04:05.000Z');
    assert.match(rec.codeVersion, /^genrec@0\.1\.0\+/);
    assert.deepEqual(readdirSync(path.dirname(file)), ['results.json']);
    const back = await readResults(file);
    assert.deepEqual(back, rec);
    assert.deepEqual(back.perUser, { 'ndcg@10': [0, 1] });
    assert.equal(back.schemaVersion, 1);
    assert.ok(!('note' in back));

    await assert.rejects(
      writeResults(file, {
        kind: 'eval',
        config: {},
        dataset: { name: 'x', fingerprint: 'f', protocol: 'p' },
        metrics: { 'ndcg@10': NaN },
      }),
      /results\.metrics\.ndcg@10 is NaN/,
    );
    await assert.rejects(
      writeResults(file, {
        kind: 'eval',
        config: {},
        dataset: { name: 'x', fingerprint: '', protocol: 'p' },
        metrics: {},
      }),
      /dataset: 'fingerprint' must be a non-empty string/,
    );
    assert.deepEqual((await readResults(file)).metrics, { 'ndcg@10': 0.05 }); // failed writes changed nothing
    writeFileSync(file, '{"schemaVersion": 1, "kind": "eval"}');
    await assert.rejects(readResults(file), /'codeVersion' must be a non-empty string/);
    writeFileSync(file, '{');
    await assert.rejects(readResults(file), /invalid JSON/);
    assert.ok(readFileSync(file, 'utf8').length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
