import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveSafetensorsSync } from '../src/engine/safetensors.js';
import { buildItemEmbeddings } from '../src/sid/embeddings.js';
import { charTrigrams, textEmbeddings } from '../src/sid/text-embeddings.js';
import { coocEmbeddings } from '../src/sid/cooc-embeddings.js';
import { loadEmbeddingFile } from '../src/sid/embedding-file.js';
import { randomizedSvd, csrFromRows } from '../src/sid/linalg.js';

const TITLES = [
  'Pilot G2 Retractable Gel Ink Pen, Fine Point, Black, 12 Pack',
  'Swingline Stapler, Heavy Duty, 60 Sheet Capacity',
  'Pilot G2 Retractable Gel Ink Pens, Fine Point, Blue, 12-Pack',
  'Post-it Super Sticky Notes, 3 x 3 in, Yellow',
  'Swingline Standard Staples, 5000 Count',
  'Avery Removable Print or Write Labels, White',
  'Post-it Notes, 3 in x 3 in, Canary Yellow, 12 Pads',
  'Scotch Magic Tape, Invisible, 3/4 x 1000 Inches',
];
const ITEMS = TITLES.map((title, index) => ({ index, rawId: `r${index}`, title }));

function cos(e: { data: Float32Array; dim: number }, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < e.dim; t++) s += e.data[i * e.dim + t] * e.data[j * e.dim + t];
  return s;
}

test('charTrigrams: boundary-marked 3-grams (hand-computed)', () => {
  assert.deepEqual(charTrigrams(['pen', 'a']), ['<pe', 'pen', 'en>', '<a>']);
});

test('randomizedSvd recovers the singular values of a small matrix (hand-computed)', () => {
  // A = diag(3, 2, 1) with rows permuted plus a zero row: singular values 3, 2, 1.
  const rows = [new Map([[1, 2]]), new Map([[0, 3]]), new Map<number, number>(), new Map([[2, 1]])];
  const svd = randomizedSvd(csrFromRows(rows, 3), 2, 5, 2, 0);
  assert.equal(svd.k, 2);
  assert.ok(Math.abs(svd.sigma[0] - 3) < 1e-9 && Math.abs(svd.sigma[1] - 2) < 1e-9, `${svd.sigma}`);
  // U·Σ row of the item with value 3 is ±3 on the first component.
  assert.ok(Math.abs(Math.abs(svd.u[1 * 2 + 0]) - 1) < 1e-9);
  assert.ok(Math.abs(svd.u[2 * 2 + 0]) < 1e-12 && Math.abs(svd.u[2 * 2 + 1]) < 1e-12);
});

test('text embeddings: near-duplicate titles are closer than unrelated ones; unit rows; deterministic', () => {
  const e = textEmbeddings(ITEMS, { dim: 6, minDf: 1 });
  assert.equal(e.dim, 6);
  for (let i = 0; i < ITEMS.length; i++) assert.ok(Math.abs(cos(e, i, i) - 1) < 1e-5);
  const dup = cos(e, 0, 2); // two Pilot G2 pens
  for (const other of [1, 3, 4, 5, 7]) assert.ok(dup > cos(e, 0, other) + 0.2, `pens ${dup} vs ${other}`);
  assert.ok(cos(e, 3, 6) > cos(e, 3, 1), 'post-it notes closer to each other than to the stapler');
  const again = textEmbeddings(ITEMS, { dim: 6, minDf: 1 });
  assert.equal(again.fingerprint, e.fingerprint);
  assert.match(e.fingerprint, /^[0-9a-f]{16}$/);
  assert.notEqual(textEmbeddings(ITEMS, { dim: 5, minDf: 1 }).fingerprint, e.fingerprint);
});

test('cooc embeddings: items that co-occur are closer; cold items are zero', () => {
  // Items 0-4 co-occur among themselves, 5-9 among themselves; 10 never appears. With dim 2 the two leading
  // singular directions are the two blocks' Perron vectors, so within-block cosines are ≈ 1 and across ≈ 0.
  const ex: { history: number[]; target: number }[] = [];
  for (const base of [0, 5]) {
    for (let t = 0; t < 5; t++)
      ex.push({ history: [0, 1, 2, 3, 4].filter((j) => j !== t).map((j) => base + j), target: base + t });
  }
  const e = coocEmbeddings(11, ex, { dim: 2 });
  for (const [i, j] of [
    [0, 1],
    [2, 4],
    [5, 9],
    [6, 8],
  ])
    assert.ok(cos(e, i, j) > 0.99, `within ${i},${j}: ${cos(e, i, j)}`);
  for (const [i, j] of [
    [0, 5],
    [3, 7],
  ])
    assert.ok(Math.abs(cos(e, i, j)) < 0.01, `across ${i},${j}: ${cos(e, i, j)}`);
  for (let t = 0; t < 2; t++) assert.equal(e.data[10 * 2 + t], 0);
  assert.throws(() => coocEmbeddings(3, [{ history: [7], target: 0 }]), /history\[0\] = 7 not an item/);
});

test('concatenation: text + cooc has both widths and unit rows', () => {
  const ex = [{ history: [0, 1], target: 2 }];
  const e = buildItemEmbeddings(ITEMS, ex, { sources: ['text', 'cooc'], dim: 4, minDf: 1 });
  assert.equal(e.dim, 8);
  assert.match(e.source, /^text\(.*\)\+cooc\(/);
  for (let i = 0; i < ITEMS.length; i++) assert.ok(Math.abs(cos(e, i, i) - 1) < 1e-5);
  assert.throws(() => buildItemEmbeddings(ITEMS, ex, { sources: ['txt'] }), /sources\[0\] = 'txt'/);
});

test('embedding files: JSONL and safetensors load in catalog order; malformed lines name file and line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sid-emb-'));
  const items = ITEMS.slice(0, 3);
  const good = path.join(dir, 'good.jsonl');
  fs.writeFileSync(
    good,
    ['{"item":"r2","embedding":[5,6]}', '', '{"item":"r0","embedding":[1,2]}', '{"item":"r1","embedding":[3,4]}'].join(
      '\n',
    ),
  );
  const e = loadEmbeddingFile(good, items);
  assert.deepEqual(Array.from(e.data), [1, 2, 3, 4, 5, 6]);
  const bad = (name: string, lines: string[], re: RegExp, opts = {}): void => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, lines.join('\n'));
    assert.throws(() => loadEmbeddingFile(f, items, opts), re);
  };
  const ok0 = '{"item":"r0","embedding":[1,2]}';
  const ok1 = '{"item":"r1","embedding":[3,4]}';
  bad('a.jsonl', [ok0, '{"item":"r1","embedding":[3,4]', ok1], /a\.jsonl:2: invalid JSON/);
  bad(
    'b.jsonl',
    [ok0, ok1, '{"item":"r2","embedding":[1,2,3]}'],
    /b\.jsonl:3: field 'embedding' has 3 values, earlier rows have 2/,
  );
  bad('c.jsonl', [ok0, '{"item":"r1","embedding":[3,"x"]}'], /c\.jsonl:2: embedding\[1\] must be a finite number/);
  bad('d.jsonl', [ok0, ok1, '{"item":"zz","embedding":[1,2]}'], /d\.jsonl:3: item "zz" is not in the catalog/);
  bad('e.jsonl', [ok0, ok1, ok0], /e\.jsonl:3: item "r0" appears twice \(first at 1\)/);
  bad('f.jsonl', [ok0, ok1], /f\.jsonl: 1 catalog item\(s\) have no embedding, e\.g\. "r2"/);
  bad('g.jsonl', [ok0, '{"item":"r1","vec":[3,4]}'], /g\.jsonl:2: unknown field 'vec'/);
  bad('h.txt', [ok0], /unsupported extension/);
  // ids beyond 2^53 as JSON numbers would round (two items merge): refused; invalid UTF-8 is an error, not U+FFFD
  bad(
    'j.jsonl',
    [ok0, '{"item":9007199254740993,"embedding":[3,4]}'],
    /j\.jsonl:2: field 'item' must be .*safe integer/,
  );
  const u = path.join(dir, 'u.jsonl');
  fs.writeFileSync(
    u,
    Buffer.concat([Buffer.from(ok0 + '\n{"item":"r'), Buffer.from([0xff]), Buffer.from('1","embedding":[3,4]}')]),
  );
  assert.throws(() => loadEmbeddingFile(u, items), /u\.jsonl:2.*invalid UTF-8/);
  // ignoreUnknown skips rows of items outside the catalog.
  const f = path.join(dir, 'i.jsonl');
  fs.writeFileSync(f, [ok0, ok1, '{"item":"zz","embedding":[9,9]}', '{"item":"r2","embedding":[5,6]}'].join('\n'));
  assert.deepEqual(Array.from(loadEmbeddingFile(f, items, { ignoreUnknown: true }).data), [1, 2, 3, 4, 5, 6]);

  const st = path.join(dir, 'e.safetensors');
  const data = Float32Array.from([5, 6, 1, 2, 3, 4]);
  saveSafetensorsSync(
    st,
    { emb: { dtype: 'float32', shape: [3, 2], data } },
    { raw_ids: JSON.stringify(['r2', 'r0', 'r1']) },
  );
  assert.deepEqual(Array.from(loadEmbeddingFile(st, items).data), [1, 2, 3, 4, 5, 6]);
  const ids = path.join(dir, 'ids.json');
  fs.writeFileSync(ids, JSON.stringify(['r2', 'r0']));
  assert.throws(() => loadEmbeddingFile(st, items, { idsFile: ids }), /has 3 rows but .*ids\.json lists 2 ids/);
  const st2 = path.join(dir, 'noids.safetensors');
  saveSafetensorsSync(st2, { emb: { dtype: 'float32', shape: [3, 2], data } });
  assert.throws(() => loadEmbeddingFile(st2, items), /noids\.safetensors: row ids .*no metadata key 'raw_ids'/);
  fs.rmSync(dir, { recursive: true, force: true });
});
