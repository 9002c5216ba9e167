import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EOS } from '../src/ids/index.js';
import { identifierFromJSON } from '../src/pipeline/identifiers/registry.js';
import { SemanticIdentifier } from '../src/sid/identifier.js';
import { codebookUsage, collisionRate, resolveCollisions } from '../src/sid/codes.js';

// 7 items, L = 2, sizes [3, 2]; items 1, 4, 6 share (1, 0) and items 2, 5 share (2, 1).
const LEVELS = [
  [0, 0],
  [1, 0],
  [2, 1],
  [0, 1],
  [1, 0],
  [2, 1],
  [1, 0],
];
const flat = Int32Array.from(LEVELS.flat());
const titles = LEVELS.map((_, i) => `item ${i}`);

function build(mode: 'needed' | 'all'): SemanticIdentifier {
  const r = resolveCollisions(flat, 7, 2, mode);
  return new SemanticIdentifier({
    sizes: [3, 2],
    numDisambiguators: r.numDisambiguators,
    codes: flat,
    extra: r.extra,
    titles,
  });
}

test('resolveCollisions: groups get 0,1,2… in index order; hand-checked', () => {
  const r = resolveCollisions(flat, 7, 2, 'needed');
  assert.deepEqual(Array.from(r.extra), [-1, 0, 0, -1, 1, 1, 2]);
  assert.equal(r.groups, 2);
  assert.equal(r.collidingItems, 5);
  assert.equal(r.maxGroupSize, 3);
  assert.equal(r.numDisambiguators, 3);
  const all = resolveCollisions(flat, 7, 2, 'all');
  assert.deepEqual(Array.from(all.extra), [0, 0, 0, 0, 1, 1, 2]);
  assert.equal(collisionRate(LEVELS), 3 / 7);
});

test('SemanticIdentifier: token layout, codes, text, history tokens', () => {
  const id = build('needed');
  // specials 0..4, level a: 5..7, level b: 8..9, disambiguators 10..12.
  assert.equal(id.vocabSize, 13);
  assert.deepEqual(Array.from(id.code(0)), [5, 8, EOS]);
  assert.deepEqual(Array.from(id.code(6)), [6, 8, 12, EOS]);
  assert.equal(id.maxCodeLength, 4);
  assert.deepEqual(
    [5, 7, 8, 9, 10, 12, 2].map((t) => id.tokenText(t)),
    ['<a_0>', '<a_2>', '<b_0>', '<b_1>', '<d_0>', '<d_2>', '<eos>'],
  );
  assert.throws(() => id.tokenText(13), /outside vocabulary/);
  assert.deepEqual(Array.from(id.historyTokens(6, 4)), [6, 8, 0, 0]);
  assert.deepEqual(Array.from(id.historyTokens(6, 1)), [6]);
  assert.equal(id.describe(3), 'item 3');
});

for (const mode of ['needed', 'all'] as const) {
  test(`SemanticIdentifier (${mode}): unique codes, itemOf(code(i)) = i, trie admits only real items`, () => {
    const id = build(mode);
    const codes = Array.from({ length: 7 }, (_, i) => Array.from(id.code(i)));
    assert.equal(collisionRate(codes), 0);
    for (let i = 0; i < 7; i++) assert.equal(id.itemOf(id.code(i)), i);
    assert.equal(id.itemOf([5, 8]), -1); // no EOS: not an item
    assert.equal(id.itemOf([7, 8, EOS]), -1); // a valid-looking but unused code
    // Brute force: valid next tokens after every prefix = the next tokens of codes with that prefix.
    const want = new Map<string, Set<number>>();
    for (const c of codes) {
      for (let t = 0; t < c.length; t++) {
        const k = c.slice(0, t).join(',');
        if (!want.has(k)) want.set(k, new Set());
        want.get(k)?.add(c[t]);
      }
    }
    let leaves = 0;
    const walk = (node: number, prefix: number[]): void => {
      const { tokens, nodes } = id.trie.children(node);
      if (tokens.length === 0) {
        leaves++;
        const item = id.trie.itemAt(node);
        assert.ok(item >= 0, `leaf ${prefix} is an item`);
        assert.deepEqual(codes[item], prefix);
        return;
      }
      assert.deepEqual(
        Array.from(tokens),
        [...(want.get(prefix.join(',')) ?? [])].sort((a, b) => a - b),
      );
      tokens.forEach((t, j) => walk(nodes[j], [...prefix, t]));
    };
    walk(0, []);
    assert.equal(leaves, 7);
    // Exhaustive over every token sequence up to length 4: accepted ⇔ it is an item's code.
    const V = id.vocabSize;
    const all = new Set(codes.map((c) => c.join(',')));
    const rec = (seq: number[]): void => {
      if (seq.length > 0) assert.equal(id.itemOf(seq) >= 0, all.has(seq.join(',')), `sequence ${seq}`);
      if (seq.length < 4) for (let t = 0; t < V; t++) rec([...seq, t]);
    };
    rec([]);
  });
}

test('SemanticIdentifier: JSON round trip through identifierFromJSON; bad JSON fails loudly', () => {
  const id = build('needed');
  const back = identifierFromJSON(JSON.parse(JSON.stringify(id.toJSON())));
  assert.ok(back instanceof SemanticIdentifier);
  assert.equal(back.kind, 'sid');
  assert.equal(back.vocabSize, id.vocabSize);
  for (let i = 0; i < 7; i++) assert.deepEqual(Array.from(back.code(i)), Array.from(id.code(i)));
  const j = id.toJSON();
  assert.throws(() => SemanticIdentifier.fromJSON({ ...j, version: 2 }), /version must be 1/);
  assert.throws(() => SemanticIdentifier.fromJSON({ ...j, codes: [[0, 0]] }), /1 items|codes for/);
  assert.throws(() => SemanticIdentifier.fromJSON({ ...j, codes: j.codes.map(() => [0, 5]) }), /level 1 code 5/);
  // Colliding codes without disambiguators are rejected by the trie.
  assert.throws(
    () => SemanticIdentifier.fromJSON({ ...j, extra: j.extra.map(() => -1), numDisambiguators: 0 }),
    /same code/,
  );
});

test('codebookUsage: used, utilisation and balance (hand-computed)', () => {
  const u = codebookUsage(flat, 7, 2, [3, 4]);
  assert.deepEqual(u.used, [3, 2]);
  assert.deepEqual(u.utilisation, [1, 0.5]);
  // Level 1: counts 4 and 3 of 7 → H = −(4/7)ln(4/7) − (3/7)ln(3/7); balance = e^H / 4.
  const h = -(4 / 7) * Math.log(4 / 7) - (3 / 7) * Math.log(3 / 7);
  assert.ok(Math.abs(u.balance[1] - Math.exp(h) / 4) < 1e-12);
});
