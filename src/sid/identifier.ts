/**
 * Semantic-ID identifiers: item i is spelled `<a_c0><b_c1><c_c2>[<d_j>]<eos>` (TIGER / V-STAR §3.1 / MiniOneRec).
 *
 * Token layout (fixed, so saved models stay valid):
 *   0 `<pad>`, 1 `<bos>`, 2 `<eos>`, 3 `<sep>`, 4 `<unk>` (the same fixed specials as the title tokenizer),
 *   then level 0 codes `<a_0>..<a_{K0-1}>`, level 1 codes `<b_0>..`, …, level L-1 codes,
 *   then disambiguation tokens `<d_0>..<d_{D-1}>` (D = largest collision group; see codes.ts).
 * Level sizes are the effective (possibly clamped) codebook sizes. This module deliberately imports nothing from the
 * engine, so `identifierFromJSON` (registry.ts) can rebuild a semantic identifier without loading libtorch; building one
 * (k-means / RQ-VAE) lives in build.ts.
 */
import { BOS, EOS, NUM_FIXED_SPECIALS, PAD, SEP } from '../ids/bpe.js';
import { PrefixTrie } from '../ids/trie.js';
import { checkItemIndex, itemOfCode, padTokens, type IdentifierSpecials, type ItemIdentifier } from '../ids/types.js';
import type { SidStats } from './codes.js';

const SPECIAL_NAMES = ['<pad>', '<bos>', '<eos>', '<sep>', '<unk>'];
const LEVEL_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export interface SemanticIdentifierJSON {
  format: 'genrec-sid';
  version: 1;
  kind: 'sid';
  /** Effective codebook size per level. */
  sizes: number[];
  /** Number of disambiguation tokens. */
  numDisambiguators: number;
  /** Per item: its L level codes. */
  codes: number[][];
  /** Per item: its disambiguation token index or -1. */
  extra: number[];
  titles: string[];
  /** Build configuration (informational). */
  config: unknown;
  stats: SidStats | null;
}

export interface SemanticIdentifierParts {
  sizes: number[];
  numDisambiguators: number;
  /** n × L level codes, row-major. */
  codes: Int32Array;
  extra: Int32Array;
  titles: string[];
  config?: unknown;
  stats?: SidStats | null;
}

export class SemanticIdentifier implements ItemIdentifier {
  readonly kind = 'sid' as const;
  readonly levels: number;
  readonly sizes: readonly number[];
  readonly numDisambiguators: number;
  readonly numItems: number;
  readonly vocabSize: number;
  readonly specials: IdentifierSpecials = Object.freeze({ pad: PAD, bos: BOS, eos: EOS, sep: SEP });
  readonly maxCodeLength: number;
  readonly trie: PrefixTrie;
  readonly config: unknown;
  readonly stats: Readonly<SidStats> | null;
  /** First token id of each level; disambiguators start at levelBase[L]. */
  private readonly levelBase: number[];
  private readonly levelCodes: Int32Array;
  private readonly extra: Int32Array;
  private readonly titles: string[];
  private readonly codes: Int32Array[];

  constructor(p: SemanticIdentifierParts) {
    const L = p.sizes.length;
    if (L < 1 || L > LEVEL_LETTERS.length) throw new Error(`sid: number of levels ${L} must be in [1, 26]`);
    p.sizes.forEach((k, l) => {
      if (!Number.isInteger(k) || k < 1) throw new Error(`sid: sizes[${l}] = ${k} must be a positive integer`);
    });
    if (!Number.isInteger(p.numDisambiguators) || p.numDisambiguators < 0) {
      throw new Error(`sid: numDisambiguators = ${p.numDisambiguators} must be a non-negative integer`);
    }
    const n = p.titles.length;
    if (p.codes.length !== n * L) throw new Error(`sid: ${p.codes.length} codes for ${n} items × ${L} levels`);
    if (p.extra.length !== n) throw new Error(`sid: ${p.extra.length} disambiguators for ${n} items`);
    this.levels = L;
    this.sizes = Object.freeze(p.sizes.slice());
    this.numDisambiguators = p.numDisambiguators;
    this.numItems = n;
    this.levelBase = [NUM_FIXED_SPECIALS];
    for (const k of p.sizes) this.levelBase.push(this.levelBase[this.levelBase.length - 1] + k);
    this.vocabSize = this.levelBase[L] + p.numDisambiguators;
    this.levelCodes = Int32Array.from(p.codes);
    this.extra = Int32Array.from(p.extra);
    this.titles = p.titles.slice();
    this.config = p.config ?? null;
    this.stats = p.stats ? Object.freeze({ ...p.stats }) : null;
    this.codes = [];
    let maxLen = 0;
    for (let i = 0; i < n; i++) {
      const e = this.extra[i];
      if (!Number.isInteger(e) || e < -1 || e >= p.numDisambiguators) {
        throw new Error(`sid: item ${i} has disambiguator ${e} outside [-1, ${p.numDisambiguators})`);
      }
      const c = new Int32Array(L + (e >= 0 ? 1 : 0) + 1);
      for (let l = 0; l < L; l++) {
        const v = this.levelCodes[i * L + l];
        if (!Number.isInteger(v) || v < 0 || v >= p.sizes[l]) {
          throw new Error(`sid: item ${i} level ${l} code ${v} outside [0, ${p.sizes[l]})`);
        }
        c[l] = this.levelBase[l] + v;
      }
      if (e >= 0) c[L] = this.levelBase[L] + e;
      c[c.length - 1] = EOS;
      this.codes.push(c);
      if (c.length > maxLen) maxLen = c.length;
    }
    this.maxCodeLength = maxLen;
    this.trie = PrefixTrie.build(this.codes, EOS); // throws if two items share a code
  }

  static fromJSON(json: unknown): SemanticIdentifier {
    if (typeof json !== 'object' || json === null) throw new Error('sid: identifier JSON must be an object');
    const o = json as Record<string, unknown>;
    if (o.format !== 'genrec-sid') throw new Error(`sid: JSON field format must be 'genrec-sid'`);
    if (o.version !== 1) throw new Error(`sid: JSON field version must be 1, got ${String(o.version)}`);
    if (o.kind !== 'sid') throw new Error(`sid: JSON field kind must be 'sid', got ${String(o.kind)}`);
    const intArray = (v: unknown, field: string): number[] => {
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) {
        throw new Error(`sid: JSON field ${field} must be an array of integers`);
      }
      return v as number[];
    };
    const sizes = intArray(o.sizes, 'sizes');
    if (!Array.isArray(o.titles) || !o.titles.every((t: unknown) => typeof t === 'string')) {
      throw new Error('sid: JSON field titles must be an array of strings');
    }
    if (!Array.isArray(o.codes)) throw new Error('sid: JSON field codes must be an array');
    const codes = new Int32Array(o.codes.length * sizes.length);
    (o.codes as unknown[]).forEach((c, i) => {
      const arr = intArray(c, `codes[${i}]`);
      if (arr.length !== sizes.length) {
        throw new Error(`sid: JSON field codes[${i}] has ${arr.length} levels, expected ${sizes.length}`);
      }
      codes.set(arr, i * sizes.length);
    });
    if (!Number.isInteger(o.numDisambiguators)) throw new Error('sid: JSON field numDisambiguators must be an integer');
    return new SemanticIdentifier({
      sizes,
      numDisambiguators: o.numDisambiguators as number,
      codes,
      extra: Int32Array.from(intArray(o.extra, 'extra')),
      titles: (o.titles as string[]).slice(),
      config: o.config,
      stats: (o.stats ?? null) as SidStats | null,
    });
  }

  toJSON(): SemanticIdentifierJSON {
    const L = this.levels;
    return {
      format: 'genrec-sid',
      version: 1,
      kind: 'sid',
      sizes: this.sizes.slice(),
      numDisambiguators: this.numDisambiguators,
      codes: Array.from({ length: this.numItems }, (_, i) => Array.from(this.levelCodes.subarray(i * L, (i + 1) * L))),
      extra: Array.from(this.extra),
      titles: this.titles.slice(),
      config: this.config,
      stats: this.stats ? { ...this.stats } : null,
    };
  }

  private checkItem(item: number): void {
    checkItemIndex('sid', item, this.numItems);
  }

  /** The item's code (a copy): L level tokens, the disambiguator if any, EOS. */
  code(item: number): Int32Array {
    this.checkItem(item);
    return this.codes[item].slice();
  }

  /** Level code indices (0..sizes[l]-1) of an item, without disambiguator. */
  levelCode(item: number): Int32Array {
    this.checkItem(item);
    return this.levelCodes.slice(item * this.levels, (item + 1) * this.levels);
  }

  /** Disambiguator index of an item, or -1. */
  disambiguator(item: number): number {
    this.checkItem(item);
    return this.extra[item];
  }

  itemOf(tokens: ArrayLike<number>): number {
    return itemOfCode(this.trie, tokens);
  }

  /** Token id of code `index` at `level`. */
  levelToken(level: number, index: number): number {
    if (!Number.isInteger(level) || level < 0 || level >= this.levels) throw new Error(`sid: level ${level} invalid`);
    if (!Number.isInteger(index) || index < 0 || index >= this.sizes[level]) {
      throw new Error(`sid: code ${index} outside level ${level}'s [0, ${this.sizes[level]})`);
    }
    return this.levelBase[level] + index;
  }

  /** `<pad>`…, `<a_12>` for level 0 code 12, `<b_3>` for level 1, …, `<d_0>` for disambiguator 0. */
  tokenText(token: number): string {
    if (!Number.isInteger(token) || token < 0 || token >= this.vocabSize) {
      throw new Error(`sid: token ${token} outside vocabulary [0, ${this.vocabSize})`);
    }
    if (token < NUM_FIXED_SPECIALS) return SPECIAL_NAMES[token];
    for (let l = 0; l < this.levels; l++) {
      if (token < this.levelBase[l + 1]) return `<${LEVEL_LETTERS[l]}_${token - this.levelBase[l]}>`;
    }
    return `<d_${token - this.levelBase[this.levels]}>`;
  }

  describe(item: number): string {
    this.checkItem(item);
    return this.titles[item];
  }

  /** The L level tokens (no disambiguator, no EOS), truncated to maxLen, right-padded with PAD. */
  historyTokens(item: number, maxLen: number): Int32Array {
    this.checkItem(item);
    return padTokens('sid', this.codes[item].subarray(0, this.levels), maxLen, PAD);
  }
}
