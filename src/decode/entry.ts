// What a registered decoder is: its name, documentation, the settings it reads and its run function. Apart from
// the registry (./registry.ts) so that decoder files can export their entries without importing the registry.
import type { DecoderInput, Hypothesis, TokenScoring } from './types.js';

/**
 * Every setting a registered decoder may read, all explicit (the run config's eval section fills them; nothing is
 * inherited from the model). An entry lists the ones it reads in `settings`.
 */
export interface DecoderSettings {
  /** Items wanted per user (the largest eval cut-off). */
  topK: number;
  /** Distribution ranked by: 'full' or 'valid' (see TokenScoring). */
  scoring: TokenScoring;
  /** Beam width B (beam). */
  beamWidth: number;
  /** Softmax temperature over the valid tokens, ≥ 0 (sample). */
  temperature: number;
  /** Seed of the sampler's generator (sample; see sampleDecoder). */
  seed: number;
  /** Model rows per round of best-first search, a work budget that does not change the result (exact). */
  rowsPerRound: number;
  /** Index of the call's first user among all users decoded (callers decode in chunks); sampling seeds by it. */
  firstUser: number;
}

export type DecoderSettingName = Exclude<keyof DecoderSettings, 'firstUser'>;

export interface DecoderEntry {
  /** The name `eval.decoder` takes. */
  readonly name: string;
  /** One line for the config's documentation. */
  readonly doc: string;
  /** The settings `run` reads (documentation; also what a server must accept for it). */
  readonly settings: readonly DecoderSettingName[];
  /** Per user of `input`, the decoded items, best first (at most topK; fewer when fewer were found). */
  run<S>(input: DecoderInput<S>, settings: DecoderSettings): Hypothesis[][];
}
