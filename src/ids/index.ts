import { ByteBpe } from './bpe.js';
import { TitleIdentifier, normalizeTitle, titlesByIndex } from './title.js';
import type { IdItem } from './types.js';
import { checkTitleConfig, TitleIdentifierConfigDef, type TitleIdentifierConfig } from './config.js';

export * from './bpe.js';
export * from './config.js';
export * from './trie.js';
export * from './title.js';
export * from './types.js';

/** Trains a BPE on the catalog's (normalised) titles and builds title identifiers. */
export function buildTitleIdentifier(
  items: ReadonlyArray<IdItem>,
  config: Partial<TitleIdentifierConfig> = {},
): TitleIdentifier {
  const cfg = checkTitleConfig(TitleIdentifierConfigDef.parse(config));
  const titles = titlesByIndex(items);
  const bpe = ByteBpe.train(
    titles.map((t) => normalizeTitle(t, cfg.lowercase)),
    { vocabSize: cfg.vocabSize, disambiguators: cfg.disambiguators, minPairFrequency: cfg.minPairFrequency },
  );
  return TitleIdentifier.build(items, bpe, { maxTokens: cfg.maxTokens, lowercase: cfg.lowercase });
}
