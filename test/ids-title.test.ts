import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ByteBpe,
  EOS,
  PAD,
  TitleIdentifier,
  bijectiveDigits,
  buildTitleIdentifier,
  historyTokenBatch,
  checkTitleConfig,
  TitleIdentifierConfigDef,
  type IdItem,
} from '../src/ids/index.js';
import { identifierFromJSON } from '../src/pipeline/identifiers/registry.js';
import { RunConfigDef, resolveRunConfig } from '../src/pipeline/config.js';

const items = (titles: string[]): IdItem[] => titles.map((title, index) => ({ index, title }));

test('bijective digits', () => {
  assert.deepEqual(bijectiveDigits(1, 2), [1]);
  assert.deepEqual(bijectiveDigits(2, 2), [2]);
  assert.deepEqual(bijectiveDigits(3, 2), [1, 1]);
  assert.deepEqual(bijectiveDigits(6, 2), [2, 2]);
  assert.deepEqual(bijectiveDigits(7, 2), [1, 1, 1]);
  assert.deepEqual(bijectiveDigits(32, 32), [32]);
  assert.deepEqual(bijectiveDigits(33, 32), [1, 1]);
  // distinct for 1..200
  const seen = new Set(Array.from({ length: 200 }, (_, j) => bijectiveDigits(j + 1, 3).join(',')));
  assert.equal(seen.size, 200);
});

test('hand-made catalog with bytes-only tokenizer: codes, collisions, prefix titles, truncation', () => {
  const bpe = ByteBpe.bytesOnly(2); // token of char c = byteBase + code(c), <d1> = 5, <d2> = 6
  const b = bpe.byteBase;
  const ch = (s: string): number[] => Array.from(s, (c) => b + c.charCodeAt(0));
  const catalog = [
    'pen', // 0
    'pen  black', // 1: 'pen' is a prefix; whitespace normalised to 'pen black'
    ' pen ', // 2: collides with 0 after normalisation → <d1>
    'paper', // 3
    'pen', // 4: third of group → <d2>
    'pen', // 5: fourth → <d1><d1>
    'notebookXX', // 6: truncated to 8 tokens
    'notebookYY', // 7: truncated, collides with 6 → <d1>
    '', // 8: empty → [EOS]
  ];
  const id = TitleIdentifier.build(items(catalog), bpe, { maxTokens: 8, lowercase: false });
  assert.deepEqual(Array.from(id.code(0)), [...ch('pen'), EOS]);
  assert.deepEqual(Array.from(id.code(1)), [...ch('pen black'), EOS].slice(0, 8).concat(EOS));
  assert.deepEqual(Array.from(id.code(2)), [...ch('pen'), 5, EOS]);
  assert.deepEqual(Array.from(id.code(4)), [...ch('pen'), 6, EOS]);
  assert.deepEqual(Array.from(id.code(5)), [...ch('pen'), 5, 5, EOS]);
  assert.deepEqual(Array.from(id.code(6)), [...ch('notebook'), EOS]);
  assert.deepEqual(Array.from(id.code(7)), [...ch('notebook'), 5, EOS]);
  assert.deepEqual(Array.from(id.code(8)), [EOS]);
  // pen group: 3 extra items, notebook group: 1 → 4 collisions in 2 groups; 'pen black' (9) and the notebooks truncated
  assert.deepEqual(
    { ...id.stats, meanLength: 0, branching: 0, numNodes: 0 },
    { collisions: 4, groups: 2, truncated: 3, empty: 1, meanLength: 0, maxLength: 10, branching: 0, numNodes: 0 },
  );
  const lens = catalog.map((_, i) => id.code(i).length);
  assert.equal(id.stats.meanLength, lens.reduce((x, y) => x + y) / lens.length);
  assert.equal(id.maxCodeLength, 10);
  // every item round-trips; prefixes are not items; the trie holds exactly these codes
  for (let i = 0; i < catalog.length; i++) {
    const c = id.code(i);
    assert.equal(id.itemOf(c), i);
    for (let t = 0; t < c.length; t++) assert.equal(id.itemOf(c.subarray(0, t)), -1);
  }
  assert.equal(id.itemOf(ch('pen')), -1);
  assert.equal(id.itemOf([...ch('pe'), EOS]), -1);
  // after 'pen' the valid tokens are EOS, <d1>, <d2>, ' '
  assert.deepEqual(Array.from(id.trie.children(id.trie.walk(ch('pen'))).tokens), [EOS, 5, 6, b + 32]);
  assert.equal(id.tokenText(5), '<d1>');
  assert.equal(id.tokenText(EOS), '<eos>');
  assert.equal(id.describe(2), ' pen ');
  // history tokens: title tokens only, no disambiguator / EOS, padded
  assert.deepEqual(Array.from(id.historyTokens(4, 5)), [...ch('pen'), PAD, PAD]);
  assert.deepEqual(Array.from(id.historyTokens(1, 2)), ch('pe'));
  assert.deepEqual(Array.from(historyTokenBatch(id, [0, 8], 3)), [...ch('pen'), PAD, PAD, PAD]);
  assert.throws(() => id.historyTokens(0, 0), /maxLen/);
  assert.throws(() => id.code(9), /item 9 outside/);
});

test('lowercase option merges case variants (and creates collisions)', () => {
  const cat = items(['Blue Pen', 'blue pen', 'BLUE PEN', 'Red Pen']);
  const keep = buildTitleIdentifier(cat, { vocabSize: 300 });
  assert.equal(keep.stats.collisions, 0);
  const low = buildTitleIdentifier(cat, { vocabSize: 300, lowercase: true });
  assert.equal(low.stats.collisions, 2);
  assert.equal(low.stats.groups, 1);
  for (let i = 0; i < 4; i++) assert.equal(low.itemOf(low.code(i)), i);
  assert.equal(low.describe(2), 'BLUE PEN');
});

test('too many collisions without disambiguators fails loudly', () => {
  assert.throws(() => buildTitleIdentifier(items(['x', 'x']), { disambiguators: 0, vocabSize: 300 }), /disambiguators/);
});

test('config validation names the key', () => {
  const parse = (o: unknown) => checkTitleConfig(TitleIdentifierConfigDef.parse(o));
  assert.deepEqual(parse({}), {
    vocabSize: 2048,
    maxTokens: 24,
    lowercase: false,
    disambiguators: 32,
    minPairFrequency: 2,
  });
  assert.throws(() => parse({ vocab: 3 }), /unknown key 'vocab'/);
  assert.throws(() => parse({ vocabSize: 10 }), /ids\.vocabSize/);
  assert.throws(() => parse({ vocabSize: '2048' }), /ids\.vocabSize/);
  assert.throws(() => parse({ maxTokens: 0 }), /ids\.maxTokens/);
  assert.throws(() => parse({ maxTokens: 2.5 }), /ids\.maxTokens/);
  assert.throws(() => parse({ lowercase: 'yes' }), /ids\.lowercase/);
  assert.throws(() => parse({ disambiguators: -1 }), /ids\.disambiguators/);
  assert.throws(() => parse({ minPairFrequency: 0 }), /ids\.minPairFrequency/);
  assert.throws(() => parse(null), /expected an object/);
  // vocabSize bound depends on disambiguators
  assert.equal(parse({ disambiguators: 0, vocabSize: 261 }).vocabSize, 261);
  assert.throws(() => parse({ disambiguators: 1, vocabSize: 261 }), /ids\.vocabSize: must be >= 262/);
  assert.throws(() => buildTitleIdentifier(items(['a']), { disambiguators: 1, vocabSize: 261 }), /ids\.vocabSize/);
});

test("the run config's ids section is the title identifier's config (keys, defaults, cross-field bound)", () => {
  const ids = RunConfigDef.keys().filter((k) => k.startsWith('ids.'));
  assert.deepEqual(ids, [
    'ids.vocabSize',
    'ids.maxTokens',
    'ids.lowercase',
    'ids.disambiguators',
    'ids.minPairFrequency',
  ]);
  assert.deepEqual(RunConfigDef.defaults().ids, TitleIdentifierConfigDef.defaults());
  assert.throws(
    () => resolveRunConfig([{ value: { ids: { disambiguators: 40, vocabSize: 300 } }, source: 'test' }]),
    /ids\.vocabSize: must be >= 301/,
  );
  const cat = items(['Blue Pen', 'blue pen', 'Red Pen', 'Red Pencil']);
  assert.deepEqual(
    JSON.stringify(buildTitleIdentifier(cat).toJSON()),
    JSON.stringify(buildTitleIdentifier(cat, RunConfigDef.defaults().ids).toJSON()),
  );
});

test('item validation', () => {
  assert.throws(() => buildTitleIdentifier([{ index: 1, title: 'a' }]), /items\[0\]\.index = 1/);
  assert.throws(
    () =>
      buildTitleIdentifier([
        { index: 0, title: 'a' },
        { index: 0, title: 'b' },
      ]),
    /items\[1\]\.index = 0 is duplicated/,
  );
  // any order is fine
  const id = buildTitleIdentifier([
    { index: 1, title: 'b' },
    { index: 0, title: 'a' },
  ]);
  assert.equal(id.describe(0), 'a');
});

test('toJSON / identifierFromJSON rebuilds identical codes', () => {
  const cat = items(['Pen black', 'Pen blue', 'Pen black', 'Stapler', 'Stapler heavy duty', 'Café ☕']);
  const id = buildTitleIdentifier(cat, { vocabSize: 320, maxTokens: 6 });
  const back = identifierFromJSON(JSON.parse(JSON.stringify(id.toJSON())));
  assert.equal(back.kind, 'title');
  assert.equal(back.vocabSize, id.vocabSize);
  assert.equal(back.numItems, id.numItems);
  assert.equal(back.maxCodeLength, id.maxCodeLength);
  for (let i = 0; i < cat.length; i++) assert.deepEqual(back.code(i), id.code(i));
  assert.throws(() => identifierFromJSON({ kind: 'nope' }), /kind "nope"/);
  assert.throws(() => identifierFromJSON({ kind: 'sid' }), /genrec-sid/);
  assert.throws(() => TitleIdentifier.fromJSON({ ...id.toJSON(), titles: [1] }), /titles/);
  assert.throws(
    () => TitleIdentifier.fromJSON({ ...id.toJSON(), config: { maxTokens: 0, lowercase: false } }),
    /maxTokens/,
  );
});

const dataDir = process.env.GENREC_SHARED_DATA ?? path.resolve(process.cwd(), '../shared/data');

function loadCatalog(name: string): IdItem[] | null {
  const file = path.join(dataDir, name, 'id2name4Rec.json');
  if (!fs.existsSync(file)) return null;
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  return Object.keys(raw)
    .map(Number)
    .sort((a, b) => a - b)
    .map((k, index) => ({ index, title: raw[String(k)] }));
}

const office = loadCatalog('amazon-office');
test('amazon-office titles: all items get unique codes', { skip: office === null }, () => {
  const cat = office!;
  const t0 = performance.now();
  const id = buildTitleIdentifier(cat);
  const ms = performance.now() - t0;
  console.log(`amazon-office: ${cat.length} items, vocab ${id.vocabSize}, ${ms.toFixed(0)} ms`, id.stats);
  assert.equal(id.numItems, 2414);
  assert.ok(id.vocabSize <= 2048);
  const seen = new Set<string>();
  for (let i = 0; i < id.numItems; i++) {
    const c = id.code(i);
    assert.equal(c[c.length - 1], EOS);
    assert.equal(id.itemOf(c), i);
    seen.add(c.join(','));
  }
  assert.equal(seen.size, 2414);
  assert.equal(id.trie.numItems, 2414);
  // duplicated raw titles exist in this catalog, so collisions ≥ 1
  assert.ok(id.stats.collisions >= 1);
  assert.ok(id.stats.maxLength <= 24 + 1 + 1);
  assert.ok(id.stats.branching > 1);
});

const toy = loadCatalog('amazon-toy');
test('amazon-toy titles: build in a few seconds', { skip: toy === null }, () => {
  const t0 = performance.now();
  const id = buildTitleIdentifier(toy!);
  const ms = performance.now() - t0;
  console.log(`amazon-toy: ${toy!.length} items, vocab ${id.vocabSize}, ${ms.toFixed(0)} ms`, id.stats);
  assert.ok(ms < 10000, `took ${ms} ms`);
  for (let i = 0; i < id.numItems; i += 101) assert.equal(id.itemOf(id.code(i)), i);
});
