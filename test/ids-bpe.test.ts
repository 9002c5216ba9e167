import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBpe, NUM_FIXED_SPECIALS, pretokenize } from '../src/ids/bpe.js';
import { Rng } from '../src/util/rng.js';

// Tiny deterministic PRNG for reproducible random corpora.
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Reference trainer: recounts every pair before each merge. Same tie rule: max count, then smaller (a, b). */
function naiveMerges(texts: string[], disamb: number, numMerges: number, minFreq: number): [number, number][] {
  const base = NUM_FIXED_SPECIALS + disamb;
  const enc = new TextEncoder();
  const freq = new Map<string, number>();
  for (const t of texts) for (const p of pretokenize(t)) freq.set(p, (freq.get(p) ?? 0) + 1);
  let words = [...freq].map(([p, f]) => ({ ids: Array.from(enc.encode(p), (v) => v + base), f }));
  const merges: [number, number][] = [];
  while (merges.length < numMerges) {
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = `${w.ids[i]},${w.ids[i + 1]}`;
        counts.set(k, (counts.get(k) ?? 0) + w.f);
      }
    }
    let best: [number, number] | null = null;
    let bestC = 0;
    for (const [k, c] of counts) {
      const [a, b] = k.split(',').map(Number);
      if (c > bestC || (c === bestC && best !== null && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestC = c;
      }
    }
    if (best === null || bestC < minFreq) break;
    const id = base + 256 + merges.length;
    merges.push(best);
    const [a, b] = best;
    words = words.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i + 1 < w.ids.length && w.ids[i] === a && w.ids[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w.ids[i]);
      }
      return { ids: out, f: w.f };
    });
  }
  return merges;
}

const TITLES = [
  'HP 12C Financial Calculator',
  'Texas Instruments TI-30X IIS 2-Line Scientific Calculator, Black',
  'Texas Instruments TI-83 Graphing Calculator',
  'Avery Half-Fold Greeting Cards for Inkjet Printers, 5.5 inches x 8.5 inches, White',
  "Fellowes Gel Wrist Rest, Graphite/Platinum (91737) — it's great",
  'Café crème brûlée set, naïve façade',
  'Emoji pack 👍🏽 👨‍👩‍👧 🎉🎉',
  '日本語のタイトル 鉛筆',
];

test('pretokenize: GPT-2-like pieces that concatenate back to the input', () => {
  assert.deepEqual(pretokenize('Hello, world! 12x'), ['Hello', ',', ' world', '!', ' 12', 'x']);
  assert.deepEqual(pretokenize("it's  two"), ['it', "'s", ' ', ' two']);
  assert.deepEqual(pretokenize(''), []);
  for (const t of [...TITLES, '  lead and trail  ', '\n\ttabs\r\n', 'a\u0301 combining']) {
    assert.equal(pretokenize(t).join(''), t);
  }
});

test('hand-computed merges on a tiny corpus', () => {
  const d = 2;
  const base = NUM_FIXED_SPECIALS + d; // byte v -> base + v
  const A = base + 97;
  const B = base + 98;
  // 'aaab' + 'aab': (a,a) = 2 + 1 = 3 > (a,b) = 2 → first merge (a,a) = token base+256.
  const bpe2 = ByteBpe.train(['aaab', 'aab'], { vocabSize: base + 256 + 10, disambiguators: d });
  assert.deepEqual(bpe2.merges, [[A, A]]); // afterwards every pair occurs once < minPairFrequency 2
  assert.equal(bpe2.vocabSize, base + 257);
  // With minPairFrequency 1: words [aa,a,b] and [aa,b]; all pairs count 1, tie → smallest (left, right) ids:
  // (a,b) since a < aa; then words [aa,ab], [aa,b] → (aa,b) since b < ab; then (aa,ab).
  const AA = base + 256;
  const AB = base + 257;
  const bpe1 = ByteBpe.train(['aaab', 'aab'], { vocabSize: base + 256 + 10, disambiguators: d, minPairFrequency: 1 });
  assert.deepEqual(bpe1.merges, [
    [A, A],
    [A, B],
    [AA, B],
    [AA, AB],
  ]);
  assert.deepEqual(bpe1.encode('aaab'), [base + 259]);
  assert.deepEqual(bpe1.encode('aab'), [base + 258]);
  assert.deepEqual(bpe1.encode('aaaa'), [AA, AA]);
  assert.deepEqual(bpe1.encode('ba'), [B, A]);
  assert.equal(bpe1.tokenText(base + 259), 'aaab');
  // tie between (a,b) and (b,a), both count 1 → (a,b) first.
  const t = ByteBpe.train(['ab', 'ba'], { vocabSize: base + 256 + 1, disambiguators: d, minPairFrequency: 1 });
  assert.deepEqual(t.merges, [[A, B]]);
  // merges never cross pieces: 'a a' has pieces 'a' and ' a', so (a, ' ') is never counted.
  const p = ByteBpe.train(['a a', 'a a'], { vocabSize: base + 300, disambiguators: d });
  assert.deepEqual(p.merges, [[base + 32, A]]);
});

test('incremental training equals the naive recount trainer', () => {
  const r = rng(7);
  const alphabet = 'abcde é ,-';
  for (let trial = 0; trial < 5; trial++) {
    const texts = Array.from({ length: 40 }, () =>
      Array.from({ length: 1 + Math.floor(r() * 25) }, () => alphabet[Math.floor(r() * alphabet.length)]).join(''),
    );
    for (const minFreq of [1, 2, 3]) {
      const got = ByteBpe.train(texts, { vocabSize: 5 + 3 + 256 + 60, disambiguators: 3, minPairFrequency: minFreq });
      assert.deepEqual(
        got.merges.map(([a, b]) => [a, b]),
        naiveMerges(texts, 3, 60, minFreq),
        `trial ${trial} minFreq ${minFreq}`,
      );
    }
  }
  const real = ByteBpe.train(TITLES, { vocabSize: 5 + 32 + 256 + 150, minPairFrequency: 1 });
  assert.deepEqual(
    real.merges.map(([a, b]) => [a, b]),
    naiveMerges(TITLES, 32, 150, 1),
  );
});

test('round-trip exact for ASCII, accents, emoji, CJK, whitespace and the empty string', () => {
  const bpe = ByteBpe.train(TITLES, { vocabSize: 400, minPairFrequency: 1 });
  assert.ok(bpe.merges.length > 0);
  const cases = [
    '',
    'HP 12C Financial Calculator',
    'Café crème brûlée — naïve',
    '👍🏽 👨‍👩‍👧 🎉',
    '日本語のタイトル',
    '  spaces  \t\n and newlines\r\n',
    'unseen ẞ ǅ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u0000 \u{10FFFF}',
    'a\u0301e\u0301',
  ];
  for (const s of cases) {
    const ids = bpe.encode(s);
    assert.equal(bpe.decode(ids), s, JSON.stringify(s));
    for (const id of ids) assert.ok(!bpe.isSpecial(id) && id < bpe.vocabSize);
  }
  assert.deepEqual(bpe.encode(''), []);
  // trained text compresses: fewer tokens than bytes
  const s = 'Texas Instruments TI-83 Graphing Calculator';
  assert.ok(bpe.encode(s).length < new TextEncoder().encode(s).length);
  // specials decode to nothing, and have names
  assert.equal(bpe.decode([1, ...bpe.encode('ab'), 2, 0]), 'ab');
  assert.equal(bpe.tokenText(2), '<eos>');
  assert.equal(bpe.tokenText(bpe.disambiguator(3)), '<d3>');
  assert.equal(bpe.tokenText(bpe.byteBase + 0xe9), '<0xE9>'); // lone continuation/lead byte
  assert.throws(() => bpe.decode([bpe.vocabSize]), /outside vocabulary/);
});

test('determinism: same merges when trained twice and on shuffled input', () => {
  const big = [...TITLES, ...TITLES.map((t) => t.toLowerCase()), ...TITLES.map((t) => t + ' extra')];
  const a = ByteBpe.train(big, { vocabSize: 500 });
  const b = ByteBpe.train(big, { vocabSize: 500 });
  const shuffled = big.slice().reverse();
  const c = ByteBpe.train(shuffled, { vocabSize: 500 });
  assert.deepEqual(a.toJSON(), b.toJSON());
  assert.deepEqual(a.toJSON(), c.toJSON());
});

test('vocabulary size respected (exact when enough pairs, never more)', () => {
  const r = rng(3);
  const texts = Array.from({ length: 300 }, () =>
    Array.from({ length: 30 }, () => 'abcdefgh '[Math.floor(r() * 9)]).join(''),
  );
  const bpe = ByteBpe.train(texts, { vocabSize: 400, disambiguators: 8 });
  assert.equal(bpe.vocabSize, 400);
  assert.equal(bpe.byteBase, 13);
  assert.equal(bpe.merges.length, 400 - 13 - 256);
  const small = ByteBpe.train(['ab'], { vocabSize: 2048 });
  assert.ok(small.vocabSize <= 2048);
  assert.equal(small.vocabSize, 5 + 32 + 256); // 'ab' occurs once < minPairFrequency 2
  assert.throws(() => ByteBpe.train(texts, { vocabSize: 100 }), /vocabSize/);
  assert.throws(() => ByteBpe.train(texts, { vocabSize: 400.5 }), /vocabSize/);
  assert.throws(() => ByteBpe.train(texts, { minPairFrequency: 0 }), /minPairFrequency/);
  assert.throws(() => ByteBpe.train(texts, { vocab: 3 } as never), /unknown option 'vocab'/);
});

test('toJSON / fromJSON round-trip and malformed JSON', () => {
  const bpe = ByteBpe.train(TITLES, { vocabSize: 450, minPairFrequency: 1 });
  const back = ByteBpe.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
  assert.equal(back.vocabSize, bpe.vocabSize);
  for (const t of TITLES) assert.deepEqual(back.encode(t), bpe.encode(t));
  for (let id = 0; id < bpe.vocabSize; id++) assert.equal(back.tokenText(id), bpe.tokenText(id));
  const j = bpe.toJSON();
  assert.throws(() => ByteBpe.fromJSON({ ...j, format: 'x' }), /format/);
  assert.throws(() => ByteBpe.fromJSON({ ...j, version: 2 }), /version/);
  assert.throws(() => ByteBpe.fromJSON({ ...j, disambiguators: -1 }), /disambiguators/);
  assert.throws(() => ByteBpe.fromJSON({ ...j, merges: [[1, 2]] }), /merge 0/); // refers to a special
  assert.throws(() => ByteBpe.fromJSON({ ...j, merges: [[40, 5000]] }), /merge 0/); // undefined token
  assert.throws(
    () =>
      ByteBpe.fromJSON({
        ...j,
        merges: [
          [40, 41],
          [40, 41],
        ],
      }),
    /duplicate/,
  );
  assert.throws(() => ByteBpe.fromJSON({ ...j, merges: [[40]] }), /merges\[0\]/);
  assert.throws(() => ByteBpe.fromJSON(null), /object/);
});
