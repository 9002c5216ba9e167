/**
 * Title identifiers: an item is spelled by the BPE tokens of its normalised title, truncated to `maxTokens`, then EOS.
 *
 * Collisions: items whose truncated title tokens are identical form a group. Ordered by item index, the first item of
 * a group keeps the plain code; the j-th other one (j = 1, 2, …) gets disambiguation tokens before EOS spelling j in
 * bijective base D (D = the tokenizer's `disambiguators`): j = 1..D → `<dj>`, j = D+1 → `<d1><d1>`, … So any group
 * size is supported, and a disambiguated code can never equal another item's code (disambiguators are specials that no
 * title produces). A title that is a token-prefix of another is fine: EOS ends it, so the two codes are different
 * root-to-leaf paths of the trie.
 */
import { ByteBpe, EOS, PAD } from './bpe.js';
import { PrefixTrie } from './trie.js';
import {
  checkItemIndex,
  itemOfCode,
  padTokens,
  type IdItem,
  type IdentifierSpecials,
  type ItemIdentifier,
} from './types.js';

/** Settings of the title → code mapping (the tokenizer carries its own). */
export interface TitleCodeConfig {
  /** Max title tokens per identifier (EOS and disambiguators excluded); longer titles are truncated. Default 24. */
  maxTokens: number;
  /** Lower-case titles before tokenising (more sharing, more collisions). Default false. */
  lowercase: boolean;
}

export interface TitleStats {
  /** Items that needed a disambiguator (group size - 1, summed over groups). */
  collisions: number;
  /** Groups of ≥ 2 items with identical truncated title tokens. */
  groups: number;
  /** Titles with more than maxTokens tokens. */
  truncated: number;
  /** Titles that normalise to the empty string (code = EOS, plus a disambiguator if several). */
  empty: number;
  /** Mean code length including EOS. */
  meanLength: number;
  /** Max code length including EOS. */
  maxLength: number;
  /** Mean number of children of internal trie nodes. */
  branching: number;
  numNodes: number;
}

export interface TitleIdentifierJSON {
  format: 'genrec-title-ids';
  version: 1;
  kind: 'title';
  config: TitleCodeConfig;
  bpe: unknown;
  titles: string[];
}

/** Whitespace runs → one space, trimmed, NFC; optionally lower-cased. */
export function normalizeTitle(title: string, lowercase: boolean): string {
  const t = title.normalize('NFC').replace(/\s+/g, ' ').trim();
  return lowercase ? t.toLowerCase() : t;
}

/** Validates dense indices 0..n-1 (any order) and returns titles indexed by item. */
export function titlesByIndex(items: ReadonlyArray<IdItem>): string[] {
  const titles = new Array<string>(items.length);
  const seen = new Uint8Array(items.length);
  items.forEach((it, pos) => {
    const i = it.index;
    if (!Number.isInteger(i) || i < 0 || i >= items.length) {
      throw new Error(`ids: items[${pos}].index = ${String(i)} is not a dense index in [0, ${items.length})`);
    }
    if (seen[i]) throw new Error(`ids: items[${pos}].index = ${i} is duplicated`);
    if (typeof it.title !== 'string') throw new Error(`ids: items[${pos}].title must be a string`);
    seen[i] = 1;
    titles[i] = it.title;
  });
  return titles;
}

/** Digits of j ≥ 1 in bijective base `base` (each in 1..base), most significant first. */
export function bijectiveDigits(j: number, base: number): number[] {
  const out: number[] = [];
  let n = j;
  while (n > 0) {
    const d = ((n - 1) % base) + 1;
    out.unshift(d);
    n = (n - d) / base;
  }
  return out;
}

function checkCodeConfig(c: TitleCodeConfig): void {
  if (!Number.isInteger(c.maxTokens) || c.maxTokens < 1) {
    throw new Error(`ids: config maxTokens must be a positive integer, got ${String(c.maxTokens)}`);
  }
  if (typeof c.lowercase !== 'boolean') throw new Error(`ids: config lowercase must be a boolean`);
}

export class TitleIdentifier implements ItemIdentifier {
  readonly kind = 'title' as const;
  readonly bpe: ByteBpe;
  readonly config: Readonly<TitleCodeConfig>;
  readonly numItems: number;
  readonly trie: PrefixTrie;
  readonly stats: Readonly<TitleStats>;
  readonly specials: IdentifierSpecials;
  readonly maxCodeLength: number;
  private readonly titles: string[];
  private readonly titleTokens: Int32Array[];
  private readonly codes: Int32Array[];

  private constructor(titles: string[], bpe: ByteBpe, config: TitleCodeConfig) {
    checkCodeConfig(config);
    this.bpe = bpe;
    this.config = Object.freeze({ maxTokens: config.maxTokens, lowercase: config.lowercase });
    this.titles = titles;
    this.numItems = titles.length;
    const { pad, bos, eos, sep } = bpe.specials;
    this.specials = Object.freeze({ pad, bos, eos, sep });

    let truncated = 0;
    let empty = 0;
    this.titleTokens = titles.map((t) => {
      const norm = normalizeTitle(t, config.lowercase);
      if (norm.length === 0) empty++;
      const toks = bpe.encode(norm);
      if (toks.length > config.maxTokens) truncated++;
      return Int32Array.from(toks.slice(0, config.maxTokens));
    });

    // Group identical token sequences, first-come (= lowest item index) keeps the plain code.
    const groupCount = new Map<string, number>();
    let collisions = 0;
    let groups = 0;
    this.codes = this.titleTokens.map((toks) => {
      const key = toks.join(',');
      const j = groupCount.get(key) ?? 0;
      groupCount.set(key, j + 1);
      if (j === 0) return appendEos(toks, []);
      if (j === 1) groups++;
      collisions++;
      if (bpe.disambiguators === 0) {
        throw new Error('ids: titles collide but the tokenizer has disambiguators = 0; raise config disambiguators');
      }
      return appendEos(
        toks,
        bijectiveDigits(j, bpe.disambiguators).map((d) => bpe.disambiguator(d)),
      );
    });

    this.trie = PrefixTrie.build(this.codes, EOS);
    let sum = 0;
    let max = 0;
    for (const c of this.codes) {
      sum += c.length;
      if (c.length > max) max = c.length;
    }
    this.maxCodeLength = max;
    this.stats = Object.freeze({
      collisions,
      groups,
      truncated,
      empty,
      meanLength: this.numItems === 0 ? 0 : sum / this.numItems,
      maxLength: max,
      branching: this.trie.branching(),
      numNodes: this.trie.numNodes,
    });
  }

  /** Builds identifiers for `items` with an already-trained tokenizer. */
  static build(items: ReadonlyArray<IdItem>, bpe: ByteBpe, config: TitleCodeConfig): TitleIdentifier {
    return new TitleIdentifier(titlesByIndex(items), bpe, config);
  }

  static fromJSON(json: unknown): TitleIdentifier {
    if (typeof json !== 'object' || json === null) throw new Error('ids: title identifier JSON must be an object');
    const o = json as Record<string, unknown>;
    if (o.format !== 'genrec-title-ids') throw new Error(`ids: JSON field format must be 'genrec-title-ids'`);
    if (o.version !== 1) throw new Error(`ids: JSON field version must be 1, got ${String(o.version)}`);
    if (o.kind !== 'title') throw new Error(`ids: JSON field kind must be 'title', got ${String(o.kind)}`);
    if (!Array.isArray(o.titles) || !o.titles.every((t: unknown) => typeof t === 'string')) {
      throw new Error('ids: JSON field titles must be an array of strings');
    }
    const cfg = o.config as Record<string, unknown> | null;
    if (typeof cfg !== 'object' || cfg === null) throw new Error('ids: JSON field config must be an object');
    const config: TitleCodeConfig = { maxTokens: cfg.maxTokens as number, lowercase: cfg.lowercase as boolean };
    return new TitleIdentifier((o.titles as string[]).slice(), ByteBpe.fromJSON(o.bpe), config);
  }

  toJSON(): TitleIdentifierJSON {
    return {
      format: 'genrec-title-ids',
      version: 1,
      kind: 'title',
      config: { ...this.config },
      bpe: this.bpe.toJSON(),
      titles: this.titles.slice(),
    };
  }

  get vocabSize(): number {
    return this.bpe.vocabSize;
  }

  private checkItem(item: number): void {
    checkItemIndex('ids', item, this.numItems);
  }

  /** The item's code (a copy), ending in EOS. */
  code(item: number): Int32Array {
    this.checkItem(item);
    return this.codes[item].slice();
  }

  itemOf(tokens: ArrayLike<number>): number {
    return itemOfCode(this.trie, tokens);
  }

  tokenText(token: number): string {
    return this.bpe.tokenText(token);
  }

  /** The original (un-normalised) title. */
  describe(item: number): string {
    this.checkItem(item);
    return this.titles[item];
  }

  historyTokens(item: number, maxLen: number): Int32Array {
    this.checkItem(item);
    return padTokens('ids', this.titleTokens[item], maxLen, PAD);
  }

  /** Number of title tokens (after truncation, no EOS / disambiguators) of an item. */
  titleLength(item: number): number {
    this.checkItem(item);
    return this.titleTokens[item].length;
  }
}

function appendEos(toks: Int32Array, extra: number[]): Int32Array {
  const out = new Int32Array(toks.length + extra.length + 1);
  out.set(toks);
  out.set(extra, toks.length);
  out[out.length - 1] = EOS;
  return out;
}
