// The title identifier's settings (the run config's `ids` section): one definition of the fields, their defaults,
// bounds and documentation, used by buildTitleIdentifier and by the run config.
import { bool, ConfigError, defineConfig, int, type ConfigOf } from '../util/config.js';

/** Tokens of the vocabulary that are neither disambiguators nor merges: the 5 fixed specials and the 256 bytes. */
const FIXED_TOKENS = 5 + 256;

export const TitleIdentifierConfigDef = defineConfig('ids', {
  vocabSize: int({
    default: 2048,
    min: FIXED_TOKENS,
    max: 1 << 20,
    doc: 'Byte-level BPE vocabulary size: the 5 fixed specials, the disambiguators, the 256 byte tokens and the merges (at least 261 + disambiguators).',
  }),
  maxTokens: int({
    default: 24,
    min: 1,
    max: 4096,
    doc: 'Title tokens kept per identifier, EOS and disambiguators excluded (longer titles are truncated, counted).',
  }),
  lowercase: bool({
    default: false,
    doc: 'Lower-case titles before training and encoding (merges case variants: more collisions).',
  }),
  disambiguators: int({
    default: 32,
    min: 0,
    max: 4096,
    doc: 'Special tokens <d1>…<dD> reserved in the vocabulary and appended to colliding titles before EOS (0: collisions are an error).',
  }),
  minPairFrequency: int({
    default: 2,
    min: 1,
    doc: 'Minimum (frequency-weighted) count of a BPE merge; training stops before vocabSize when none is left.',
  }),
});

/** Configuration of {@link buildTitleIdentifier} (the run config's `ids` section). */
export type TitleIdentifierConfig = ConfigOf<typeof TitleIdentifierConfigDef>;

/** The bound between fields (the vocabulary holds the fixed tokens and the disambiguators); throws naming the key. */
export function checkTitleConfig(cfg: TitleIdentifierConfig, source?: string): TitleIdentifierConfig {
  const min = FIXED_TOKENS + cfg.disambiguators;
  if (cfg.vocabSize < min) {
    const from = source === undefined ? '' : ` (from ${source})`;
    throw new ConfigError(
      `ids.vocabSize: must be >= ${min} (261 + ids.disambiguators ${cfg.disambiguators}), got ${cfg.vocabSize}${from}`,
      'ids.vocabSize',
      source,
    );
  }
  return cfg;
}
