/**
 * Byte-level BPE tokenizer trained on item titles.
 *
 * Token id layout (fixed, so saved models stay valid):
 *   0 `<pad>`, 1 `<bos>`, 2 `<eos>`, 3 `<sep>`, 4 `<unk>`,
 *   5 .. 5+D-1            disambiguation tokens `<d1>` .. `<dD>` (D = `disambiguators`),
 *   5+D .. 5+D+255        the 256 byte tokens (id = byteBase + byte value),
 *   5+D+256 ..            merged tokens, in merge order.
 *
 * Pre-tokenisation is GPT-2-like: words keep their leading space, runs of letters, digits and punctuation are separate
 * pieces, and whitespace runs are kept (so the pieces always concatenate back to the input). The tokenizer itself never
 * changes the text (no lower-casing here: that is a title-normalisation choice, see `title.ts`), so
 * `decode(encode(s)) === s` for every well-formed string.
 *
 * Training is deterministic: the most frequent adjacent pair is merged; ties are broken by the smaller left token id,
 * then the smaller right token id (for byte tokens that is byte order). Pair counts are maintained incrementally: only
 * the words containing the merged pair are re-counted after each merge, and the best pair is found with a lazy max-heap.
 */

/** Number of fixed special tokens before the disambiguators: pad, bos, eos, sep, unk. */
export const NUM_FIXED_SPECIALS = 5;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const SEP = 3;
export const UNK = 4;
const FIXED_SPECIAL_NAMES = ['<pad>', '<bos>', '<eos>', '<sep>', '<unk>'];

/** Options for {@link ByteBpe.train}. */
export interface BpeTrainOptions {
  /** Total vocabulary size including specials, disambiguators and the 256 byte tokens. Default 2048. Training stops
   * earlier when no pair reaches `minPairFrequency`, so the result may be smaller, never larger. */
  vocabSize: number;
  /** Number of reserved disambiguation tokens `<d1>..<dD>`. Default 32. */
  disambiguators: number;
  /** A pair is merged only if it occurs at least this many times (weighted by piece frequency). Default 2. */
  minPairFrequency: number;
}

export const DEFAULT_BPE_OPTIONS: Readonly<BpeTrainOptions> = Object.freeze({
  vocabSize: 2048,
  disambiguators: 32,
  minPairFrequency: 2,
});

/** Serialised form of a {@link ByteBpe}. Merged token `byteBase + 256 + i` is `merges[i][0]` followed by `merges[i][1]`. */
export interface BpeJSON {
  format: 'genrec-bpe';
  version: 1;
  disambiguators: number;
  merges: [number, number][];
}

// GPT-2 pre-tokenisation pattern; every character of the input is matched by exactly one alternative.
const PRETOKEN_RE = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Splits text into pre-tokens whose concatenation is the input. */
export function pretokenize(text: string): string[] {
  const out = text.match(PRETOKEN_RE);
  return out === null ? [] : out;
}

const PAIR_SHIFT = 1 << 20; // token ids are < 2^20, so a*2^20+b is an exact double

function pairKey(a: number, b: number): number {
  return a * PAIR_SHIFT + b;
}

const encoder = new TextEncoder();
const lossyDecoder = new TextDecoder('utf-8', { fatal: false });
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`bpe: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** Max-heap of (count, a, b) with ties broken by smaller a, then smaller b. */
class PairHeap {
  private readonly cnt: number[] = [];
  private readonly a: number[] = [];
  private readonly b: number[] = [];

  get size(): number {
    return this.cnt.length;
  }

  // true if entry i should be above entry j
  private better(i: number, j: number): boolean {
    if (this.cnt[i] !== this.cnt[j]) return this.cnt[i] > this.cnt[j];
    if (this.a[i] !== this.a[j]) return this.a[i] < this.a[j];
    return this.b[i] < this.b[j];
  }

  private swap(i: number, j: number): void {
    const { cnt, a, b } = this;
    [cnt[i], cnt[j]] = [cnt[j], cnt[i]];
    [a[i], a[j]] = [a[j], a[i]];
    [b[i], b[j]] = [b[j], b[i]];
  }

  push(count: number, a: number, b: number): void {
    this.cnt.push(count);
    this.a.push(a);
    this.b.push(b);
    let i = this.cnt.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the top entry and returns it as [count, a, b]. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.cnt[0], this.a[0], this.b[0]];
    const last = this.cnt.length - 1;
    this.swap(0, last);
    this.cnt.pop();
    this.a.pop();
    this.b.pop();
    const n = this.cnt.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.better(l, m)) m = l;
      if (r < n && this.better(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

export class ByteBpe {
  /** Number of disambiguation tokens `<d1>..<dD>`. */
  readonly disambiguators: number;
  /** Id of the byte-0 token; byte v is `byteBase + v`. */
  readonly byteBase: number;
  /** Merges in order; merged token `byteBase + 256 + i` = merges[i]. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  readonly specials = { pad: PAD, bos: BOS, eos: EOS, sep: SEP, unk: UNK } as const;

  private readonly rank = new Map<number, number>();
  private readonly bytesOf: Uint8Array[] = [];
  private readonly cache = new Map<string, number[]>();

  private constructor(disambiguators: number, merges: [number, number][]) {
    this.disambiguators = disambiguators;
    this.byteBase = NUM_FIXED_SPECIALS + disambiguators;
    this.merges = merges;
    for (let i = 0; i < this.byteBase; i++) this.bytesOf.push(new Uint8Array(0));
    for (let v = 0; v < 256; v++) this.bytesOf.push(Uint8Array.of(v));
    merges.forEach(([a, b], i) => {
      const id = this.byteBase + 256 + i;
      if (a < this.byteBase || b < this.byteBase || a >= id || b >= id) {
        throw new Error(`bpe: merge ${i} = [${a}, ${b}] refers to a special or not-yet-defined token`);
      }
      const k = pairKey(a, b);
      if (this.rank.has(k)) throw new Error(`bpe: merge ${i} = [${a}, ${b}] is a duplicate`);
      this.rank.set(k, i);
      const x = this.bytesOf[a];
      const y = this.bytesOf[b];
      const xy = new Uint8Array(x.length + y.length);
      xy.set(x, 0);
      xy.set(y, x.length);
      this.bytesOf.push(xy);
    });
  }

  /** Total number of token ids. */
  get vocabSize(): number {
    return this.byteBase + 256 + this.merges.length;
  }

  /** Id of disambiguation token `<dj>`, j in 1..disambiguators. */
  disambiguator(j: number): number {
    if (!Number.isInteger(j) || j < 1 || j > this.disambiguators) {
      throw new Error(`bpe: disambiguator index ${j} outside 1..${this.disambiguators}`);
    }
    return NUM_FIXED_SPECIALS + j - 1;
  }

  /** True for pad/bos/eos/sep/unk and the disambiguators. */
  isSpecial(token: number): boolean {
    return token >= 0 && token < this.byteBase;
  }

  /** Raw bytes of a (non-special) token; empty for specials. */
  tokenBytes(token: number): Uint8Array {
    this.checkToken(token);
    return this.bytesOf[token];
  }

  /** Display text: special names, the UTF-8 text of the token, or `<0x..>` hex for partial UTF-8 sequences. */
  tokenText(token: number): string {
    this.checkToken(token);
    if (token < NUM_FIXED_SPECIALS) return FIXED_SPECIAL_NAMES[token];
    if (token < this.byteBase) return `<d${token - NUM_FIXED_SPECIALS + 1}>`;
    const bytes = this.bytesOf[token];
    try {
      return strictDecoder.decode(bytes);
    } catch {
      return Array.from(bytes, (v) => `<0x${v.toString(16).toUpperCase().padStart(2, '0')}>`).join('');
    }
  }

  private checkToken(token: number): void {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
      throw new Error(`bpe: token ${token} outside vocabulary [0, ${this.vocabSize})`);
    }
  }

  /** Encodes text into token ids (never emits specials). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const piece of pretokenize(text)) {
      for (const t of this.encodePiece(piece)) out.push(t);
    }
    return out;
  }

  private encodePiece(piece: string): number[] {
    const hit = this.cache.get(piece);
    if (hit !== undefined) return hit;
    let ids = Array.from(encoder.encode(piece), (v) => v + this.byteBase);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rank.get(pairKey(ids[i], ids[i + 1]));
        if (r !== undefined && (best < 0 || r < best)) best = r;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best];
      ids = mergeAll(ids, a, b, this.byteBase + 256 + best);
    }
    if (this.cache.size >= 100_000) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  /** Decodes ids to text. Special tokens contribute nothing. Invalid UTF-8 (e.g. a cut sequence) becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    let len = 0;
    for (let i = 0; i < ids.length; i++) {
      this.checkToken(ids[i]);
      len += this.bytesOf[ids[i]].length;
    }
    const buf = new Uint8Array(len);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = this.bytesOf[ids[i]];
      buf.set(b, o);
      o += b.length;
    }
    return lossyDecoder.decode(buf);
  }

  toJSON(): BpeJSON {
    return {
      format: 'genrec-bpe',
      version: 1,
      disambiguators: this.disambiguators,
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }

  static fromJSON(json: unknown): ByteBpe {
    if (typeof json !== 'object' || json === null) throw new Error('bpe: JSON must be an object');
    const o = json as Record<string, unknown>;
    if (o.format !== 'genrec-bpe')
      throw new Error(`bpe: JSON field format must be 'genrec-bpe', got ${String(o.format)}`);
    if (o.version !== 1) throw new Error(`bpe: JSON field version must be 1, got ${String(o.version)}`);
    const d = checkInt('JSON field disambiguators', o.disambiguators, 0, 4096);
    if (!Array.isArray(o.merges)) throw new Error('bpe: JSON field merges must be an array');
    const merges: [number, number][] = o.merges.map((m: unknown, i: number) => {
      if (!Array.isArray(m) || m.length !== 2) throw new Error(`bpe: JSON field merges[${i}] must be a pair`);
      return [checkInt(`merges[${i}][0]`, m[0], 0), checkInt(`merges[${i}][1]`, m[1], 0)];
    });
    return new ByteBpe(d, merges);
  }

  /** Builds an untrained tokenizer (bytes only) — mainly for tests. */
  static bytesOnly(disambiguators = DEFAULT_BPE_OPTIONS.disambiguators): ByteBpe {
    return new ByteBpe(checkInt('disambiguators', disambiguators, 0, 4096), []);
  }

  /** Trains on `texts` (each pre-tokenised; pieces are counted, merges never cross piece boundaries). */
  static train(texts: readonly string[], options: Partial<BpeTrainOptions> = {}): ByteBpe {
    const opt: BpeTrainOptions = { ...DEFAULT_BPE_OPTIONS, ...options };
    for (const k of Object.keys(options)) {
      if (!(k in DEFAULT_BPE_OPTIONS)) throw new Error(`bpe: unknown option '${k}'`);
    }
    const disamb = checkInt('disambiguators', opt.disambiguators, 0, 4096);
    const byteBase = NUM_FIXED_SPECIALS + disamb;
    checkInt('vocabSize', opt.vocabSize, byteBase + 256, PAIR_SHIFT - 1);
    const minFreq = checkInt('minPairFrequency', opt.minPairFrequency, 1);
    const numMerges = opt.vocabSize - byteBase - 256;

    // Unique pieces with their frequencies.
    const pieceFreq = new Map<string, number>();
    for (const t of texts) {
      if (typeof t !== 'string') throw new Error('bpe: training texts must be strings');
      for (const p of pretokenize(t)) pieceFreq.set(p, (pieceFreq.get(p) ?? 0) + 1);
    }
    const words: number[][] = [];
    const freq: number[] = [];
    for (const [p, f] of pieceFreq) {
      const ids = Array.from(encoder.encode(p), (v) => v + byteBase);
      if (ids.length < 2) continue;
      words.push(ids);
      freq.push(f);
    }

    const count = new Map<number, number>();
    const where = new Map<number, Set<number>>();
    const add = (w: number, sign: number, touched: Set<number> | null): void => {
      const ids = words[w];
      const f = freq[w] * sign;
      for (let i = 0; i + 1 < ids.length; i++) {
        const k = pairKey(ids[i], ids[i + 1]);
        const c = (count.get(k) ?? 0) + f;
        if (c === 0) count.delete(k);
        else count.set(k, c);
        if (sign > 0) {
          let s = where.get(k);
          if (s === undefined) where.set(k, (s = new Set()));
          s.add(w);
        }
        touched?.add(k);
      }
    };
    for (let w = 0; w < words.length; w++) add(w, 1, null);
    const heap = new PairHeap();
    for (const [k, c] of count) heap.push(c, Math.floor(k / PAIR_SHIFT), k % PAIR_SHIFT);

    const merges: [number, number][] = [];
    while (merges.length < numMerges && heap.size > 0) {
      const [c, a, b] = heap.pop();
      const k = pairKey(a, b);
      if (count.get(k) !== c) continue; // stale entry
      if (c < minFreq) break;
      const id = byteBase + 256 + merges.length;
      merges.push([a, b]);
      const touched = new Set<number>();
      const ws = where.get(k);
      where.delete(k);
      if (ws !== undefined) {
        for (const w of ws) {
          const ids = words[w];
          let has = false;
          for (let i = 0; i + 1 < ids.length; i++) {
            if (ids[i] === a && ids[i + 1] === b) {
              has = true;
              break;
            }
          }
          if (!has) continue;
          add(w, -1, touched);
          words[w] = mergeAll(ids, a, b, id);
          add(w, 1, touched);
        }
      }
      touched.delete(k);
      count.delete(k);
      for (const t of touched) {
        const tc = count.get(t);
        if (tc !== undefined) heap.push(tc, Math.floor(t / PAIR_SHIFT), t % PAIR_SHIFT);
      }
    }
    return new ByteBpe(disamb, merges);
  }
}

/** Replaces every non-overlapping occurrence of (a, b), scanning left to right, with `id`. */
function mergeAll(ids: number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < ids.length) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i += 2;
    } else {
      out.push(ids[i]);
      i++;
    }
  }
  return out;
}
