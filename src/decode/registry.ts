// The decoders by name, so that the decoder is a setting (`eval.decoder`): evaluation, the CLI's recommend
// and a server dispatch on a name instead of calling one decoder. Each decoder lives in its own file and
// exports its entry; adding one is its file plus one `registerDecoder` line (here, or in the code that
// owns it, e.g. a test fixture).
import { beamDecoder } from './beam.js';
import { exactDecoder } from './exact.js';
import { greedyDecoder } from './greedy.js';
import { sampleDecoder } from './sample.js';
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

const entries = new Map<string, DecoderEntry>();

/** Adds a decoder under its name (a name can be registered once). */
export function registerDecoder(entry: DecoderEntry): void {
  if (entries.has(entry.name)) throw new Error(`decoder '${entry.name}' is already registered`);
  entries.set(entry.name, entry);
}

registerDecoder(beamDecoder);
registerDecoder(greedyDecoder);
registerDecoder(sampleDecoder);
registerDecoder(exactDecoder);

/** The decoder registered under `name`; throws naming the registered ones. */
export function getDecoder(name: string): DecoderEntry {
  const e = entries.get(name);
  if (e === undefined) {
    throw new Error(`unknown decoder '${name}' (registered: ${[...entries.keys()].join(', ')})`);
  }
  return e;
}

/** Names of every registered decoder, in registration order (the built-ins are the values of `eval.decoder`). */
export function decoderNames(): string[] {
  return [...entries.keys()];
}
