import { ByteBpe } from './bpe.js';
import { TitleIdentifier, normalizeTitle, titlesByIndex } from './title.js';
import type { IdItem } from './types.js';

export * from './bpe.js';
export * from './trie.js';
export * from './title.js';
export * from './types.js';

/** Configuration of {@link buildTitleIdentifier}. */
export interface TitleIdentifierConfig {
  /** BPE vocabulary size, including the 5 fixed specials, the disambiguators and the 256 byte tokens. Default 2048. */
  vocabSize: number;
  /** Max title tokens per identifier (EOS and disambiguators excluded); longer titles are truncated. Default 24. */
  maxTokens: number;
  /** Lower-case titles before training and encoding. Default false (case is kept; fewer collisions). */
  lowercase: boolean;
  /** Number of disambiguation tokens `<d1>..<dD>` reserved in the vocabulary. Default 32. */
  disambiguators: number;
  /** Minimum (frequency-weighted) count for a BPE merge; training stops before vocabSize if none is left. Default 2. */
  minPairFrequency: number;
}

export const DEFAULT_TITLE_CONFIG: Readonly<TitleIdentifierConfig> = Object.freeze({
  vocabSize: 2048,
  maxTokens: 24,
  lowercase: false,
  disambiguators: 32,
  minPairFrequency: 2,
});

/** Fills defaults and validates; throws naming the offending key for unknown keys or bad values. */
export function parseTitleConfig(input: unknown = {}): TitleIdentifierConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('ids config: must be an object');
  }
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(k in DEFAULT_TITLE_CONFIG)) {
      throw new Error(`ids config: unknown key '${k}' (known: ${Object.keys(DEFAULT_TITLE_CONFIG).join(', ')})`);
    }
  }
  const out: TitleIdentifierConfig = { ...DEFAULT_TITLE_CONFIG };
  const int = (
    k: 'vocabSize' | 'maxTokens' | 'disambiguators' | 'minPairFrequency',
    min: number,
    max: number,
  ): void => {
    const v = o[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new Error(`ids config: '${k}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  };
  int('disambiguators', 0, 4096);
  int('vocabSize', 5 + out.disambiguators + 256, 1 << 20);
  int('maxTokens', 1, 4096);
  int('minPairFrequency', 1, Number.MAX_SAFE_INTEGER);
  if (o.lowercase !== undefined) {
    if (typeof o.lowercase !== 'boolean') {
      throw new Error(`ids config: 'lowercase' must be a boolean, got ${JSON.stringify(o.lowercase)}`);
    }
    out.lowercase = o.lowercase;
  }
  return out;
}

/** Trains a BPE on the catalog's (normalised) titles and builds title identifiers. */
export function buildTitleIdentifier(
  items: ReadonlyArray<IdItem>,
  config: Partial<TitleIdentifierConfig> = {},
): TitleIdentifier {
  const cfg = parseTitleConfig(config);
  const titles = titlesByIndex(items);
  const bpe = ByteBpe.train(
    titles.map((t) => normalizeTitle(t, cfg.lowercase)),
    { vocabSize: cfg.vocabSize, disambiguators: cfg.disambiguators, minPairFrequency: cfg.minPairFrequency },
  );
  return TitleIdentifier.build(items, bpe, { maxTokens: cfg.maxTokens, lowercase: cfg.lowercase });
}
