import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixTrie } from '../src/ids/trie.js';
import { Rng } from '../src/util/rng.js';

const EOS = 2;

function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Brute force: prefix (joined) → sorted valid next tokens, from all codes. */
function bruteValid(codes: number[][]): Map<string, number[]> {
  const m = new Map<string, Set<number>>();
  for (const c of codes) {
    for (let t = 0; t < c.length; t++) {
      const k = c.slice(0, t).join(',');
      if (!m.has(k)) m.set(k, new Set());
      m.get(k)!.add(c[t]);
    }
  }
  return new Map([...m].map(([k, s]) => [k, [...s].sort((a, b) => a - b)]));
}

function randomCodes(r: () => number, n: number, alphabet: number, maxLen: number): number[][] {
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < n) {
    const len = Math.floor(r() * maxLen);
    const c = Array.from({ length: len }, () => 3 + Math.floor(r() * alphabet));
    c.push(EOS);
    const k = c.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}

/** Checks every structural property of a trie against the code list by brute force. */
function checkTrie(trie: PrefixTrie, codes: number[][]): void {
  const valid = bruteValid(codes);
  // every prefix of every code: walk, children equal brute force
  for (const [k, toks] of valid) {
    const prefix = k === '' ? [] : k.split(',').map(Number);
    const node = trie.walk(prefix);
    assert.notEqual(node, -1, `prefix ${k}`);
    assert.deepEqual(Array.from(trie.children(node).tokens), toks, `prefix ${k}`);
    assert.equal(trie.itemAt(node), -1, `proper prefix ${k} must not be an item`);
    assert.equal(trie.depth[node], prefix.length);
  }
  // every item round-trips code → walk → itemAt
  codes.forEach((c, i) => {
    const leaf = trie.walk(c);
    assert.equal(trie.itemAt(leaf), i);
    assert.equal(trie.children(leaf).tokens.length, 0);
    assert.deepEqual(Array.from(trie.codeOf(i)), c);
  });
  // node count = number of distinct prefixes (incl. full codes) + root; no path spells a non-item
  assert.equal(trie.numNodes, valid.size + codes.length);
  let leaves = 0;
  for (let v = 0; v < trie.numNodes; v++) {
    const it = trie.itemAt(v);
    const kids = trie.childCount(v);
    if (it >= 0) {
      leaves++;
      assert.equal(kids, 0);
      assert.deepEqual(Array.from(trie.spell(v)), codes[it]);
    } else {
      assert.ok(kids > 0, `non-leaf node ${v} without children spells a non-item`);
      assert.ok(valid.has(Array.from(trie.spell(v)).join(',')));
    }
    const { tokens, nodes } = trie.children(v);
    for (let e = 0; e < tokens.length; e++) {
      if (e > 0) assert.ok(tokens[e] > tokens[e - 1], 'edges sorted');
      assert.equal(trie.next(v, tokens[e]), nodes[e]);
      assert.equal(trie.parent[nodes[e]], v);
    }
  }
  assert.equal(leaves, codes.length);
}

test('hand-made catalog: prefix titles, EOS-terminated, structure matches brute force', () => {
  // item 0 = [5,6] is a prefix of item 1 = [5,6,7]; item 3 = [5,6,9(disamb)] ; item 4 = [] (empty title).
  const codes = [[5, 6, EOS], [5, 6, 7, EOS], [8, EOS], [5, 6, 9, EOS], [EOS]];
  const trie = PrefixTrie.build(codes, EOS);
  checkTrie(trie, codes);
  // root, 5, 5-6, 5-6-EOS, 5-6-7, 5-6-7-EOS, 5-6-9, 5-6-9-EOS, 8, 8-EOS, EOS
  assert.equal(trie.numNodes, 11);
  assert.deepEqual(Array.from(trie.children(trie.root).tokens), [EOS, 5, 8]);
  assert.deepEqual(Array.from(trie.children(trie.walk([5, 6])).tokens), [EOS, 7, 9]);
  assert.equal(trie.itemAt(trie.walk([5, 6])), -1); // the prefix [5,6] alone is not an item …
  assert.equal(trie.itemAt(trie.walk([5, 6, EOS])), 0); // … EOS makes it one
  assert.equal(trie.walk([5, 6, EOS, 7]), -1); // nothing after EOS
  assert.equal(trie.walk([6]), -1);
  assert.equal(trie.next(trie.root, 99), -1);
  assert.equal(trie.next(-1, 5), -1);
  assert.equal(trie.maxDepth, 4);
  // internal nodes: root(3), 5(1), 5-6(3), 5-6-7(1), 5-6-9(1), 8(1) → 10 edges / 6
  assert.equal(trie.branching(), 10 / 6);
});

test('build rejects malformed code lists', () => {
  assert.throws(() => PrefixTrie.build([[5, EOS], [5]], EOS), /item 1 must end with EOS/);
  assert.throws(() => PrefixTrie.build([[5, EOS], []], EOS), /item 1 must end with EOS/);
  assert.throws(() => PrefixTrie.build([[5, EOS, 6, EOS]], EOS), /EOS before its end/);
  assert.throws(
    () =>
      PrefixTrie.build(
        [
          [5, EOS],
          [6, EOS],
          [5, EOS],
        ],
        EOS,
      ),
    /items 0 and 2 have the same code/,
  );
  assert.throws(() => PrefixTrie.build([[-3, EOS]], EOS), /invalid token/);
  const t = PrefixTrie.build([[5, EOS]], EOS);
  assert.throws(() => t.children(3), /node 3 outside/);
  assert.throws(() => t.batchChildren(Int32Array.of(0, -2)), /node -2 outside/);
  assert.throws(() => t.batchNext(Int32Array.of(0), Int32Array.of()), /batchNext/);
  assert.throws(() => t.validMask(Int32Array.of(0), 5), /does not fit vocab/);
  assert.throws(() => t.targetPaths(Int32Array.of(1)), /item 1/);
  const empty = PrefixTrie.build([], EOS);
  assert.equal(empty.numNodes, 1);
  assert.equal(empty.children(0).tokens.length, 0);
});

test('random tries: structure, batchChildren, batchNext, validMask, targetPaths equal brute force', () => {
  const r = rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const alphabet = 2 + Math.floor(r() * 6);
    const codes = randomCodes(r, 5 + Math.floor(r() * 60), alphabet, 7);
    const trie = PrefixTrie.build(codes, EOS);
    checkTrie(trie, codes);
    const V = 3 + alphabet;

    // random batch of nodes, including dead (-1) ones
    const n = 1 + Math.floor(r() * 30);
    const nodes = Int32Array.from({ length: n }, () => (r() < 0.1 ? -1 : Math.floor(r() * trie.numNodes)));
    const bc = trie.batchChildren(nodes);
    let width = 0;
    for (const v of nodes) if (v >= 0) width = Math.max(width, trie.childCount(v));
    assert.equal(bc.width, width);
    assert.equal(bc.tokens.length, n * width);
    const mask = trie.validMask(nodes, V);
    assert.equal(mask.length, n * V);
    const toks = Int32Array.from({ length: n }, () => Math.floor(r() * (V + 1)));
    const nx = trie.batchNext(nodes, toks);
    for (let row = 0; row < n; row++) {
      const v = nodes[row];
      const expTok: number[] = [];
      const expNext: number[] = [];
      if (v >= 0) {
        for (let t = 0; t < V + 2; t++) {
          const c = trie.next(v, t);
          if (c >= 0) {
            expTok.push(t);
            expNext.push(c);
          }
        }
      }
      while (expTok.length < width) {
        expTok.push(-1);
        expNext.push(-1);
      }
      assert.deepEqual(Array.from(bc.tokens.subarray(row * width, (row + 1) * width)), expTok);
      assert.deepEqual(Array.from(bc.next.subarray(row * width, (row + 1) * width)), expNext);
      for (let t = 0; t < V; t++) {
        assert.equal(mask[row * V + t], v >= 0 && trie.next(v, t) >= 0 ? 1 : 0);
      }
      // brute-force next: prefix spelled by v plus token, is it a prefix (or full code) of some code?
      let expected = -1;
      if (v >= 0) {
        const target = [...trie.spell(v), toks[row]].join(',');
        for (let u = 0; u < trie.numNodes; u++) if (Array.from(trie.spell(u)).join(',') === target) expected = u;
      }
      assert.equal(nx[row], expected);
    }

    // targetPaths
    const items = Int32Array.from({ length: 8 }, () => Math.floor(r() * codes.length));
    const tp = trie.targetPaths(items);
    const maxLen = Math.max(...Array.from(items, (i) => codes[i].length));
    assert.equal(tp.width, maxLen);
    items.forEach((it, b) => {
      const c = codes[it];
      assert.equal(tp.lengths[b], c.length);
      for (let t = 0; t < maxLen; t++) {
        if (t < c.length) {
          assert.equal(tp.prefixNodes[b * maxLen + t], trie.walk(c.slice(0, t)));
          assert.equal(tp.targetTokens[b * maxLen + t], c[t]);
        } else {
          assert.equal(tp.prefixNodes[b * maxLen + t], -1);
          assert.equal(tp.targetTokens[b * maxLen + t], -1);
        }
      }
    });
  }
});

test('scales to ~12k items x ~20 tokens quickly', () => {
  const r = rng(5);
  const codes: number[][] = [];
  for (let i = 0; i < 12000; i++) {
    const c = Array.from({ length: 19 }, () => 10 + Math.floor(r() * 2000));
    c.push(EOS);
    codes.push(c);
  }
  const t0 = performance.now();
  const trie = PrefixTrie.build(codes, EOS);
  const ms = performance.now() - t0;
  assert.ok(trie.numNodes > 200000);
  assert.ok(ms < 5000, `build took ${ms} ms`);
  for (let i = 0; i < codes.length; i += 997) assert.equal(trie.itemAt(trie.walk(codes[i])), i);
});
