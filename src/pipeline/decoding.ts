// The decoding settings of one recommendation request (the server's POST /v1/recommend, the CLI's recommend): what
// the caller set, and for what it did not set, the run's eval config. Each default is named in `defaulted`, so
// callers can say which values were not theirs; a setting the chosen decoder does not read is refused.
import { getDecoder, type DecoderEntry, type DecoderSettingName } from '../decode/registry.js';
import type { TokenScoring } from '../decode/types.js';
import { vedSearchSettings, type RunConfig } from './config.js';
import type { RecommendSettings } from './recommend.js';

/** The request fields of decoding settings (`k` is the decoders' topK, `seed` their sampling seed). */
export type DecodingField = 'k' | 'beamWidth' | 'scoring' | 'temperature' | 'seed';

/** What a caller may set; anything absent comes from the run's eval config. */
export interface DecodingRequest {
  decoder?: string;
  k?: number;
  beamWidth?: number;
  scoring?: TokenScoring;
  temperature?: number;
  seed?: number;
}

/** The settings a request decodes with. */
export interface ResolvedDecoding {
  settings: RecommendSettings;
  /** The decoder and the settings it reads, as used (what a response reports). */
  effective: { decoder: string } & Partial<Record<DecodingField, number | string>>;
  /** Fields (decoder included) that were not in the request and came from the run's eval config. */
  defaulted: string[];
}

/** A decoding request the run cannot serve; `field` names the offending request field. */
export class DecodingError extends Error {
  override name = 'DecodingError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The request field of each decoder setting (rowsPerRound is a work budget, not a request's: see below). */
const FIELD_OF: Record<DecoderSettingName, DecodingField | null> = {
  topK: 'k',
  beamWidth: 'beamWidth',
  scoring: 'scoring',
  temperature: 'temperature',
  seed: 'seed',
  rowsPerRound: null,
};
/** The smallest positive sampling temperature: log-probs / T must stay finite in float32. */
const MIN_TEMPERATURE = 1e-3;
const FIELDS: readonly DecodingField[] = ['k', 'beamWidth', 'scoring', 'temperature', 'seed'];

/** Bounds of a request's settings. */
export interface DecodingLimits {
  /** Items in the catalogue: k above it is refused. */
  numItems: number;
  /** The largest beam width served (Infinity: none). */
  maxBeamWidth: number;
  /** The decoders allowed (absent: every registered one). */
  decoders?: readonly string[];
}

/**
 * The settings of `req` over the defaults of `evalCfg`: decoder (eval.decoder), k (the largest of eval.ks), beam
 * width (the larger of k and eval.beamWidth), scoring, temperature and seed (eval.sampleSeed). Greedy decodes one
 * item. Exact search uses eval.beamWidth × chunkUsers rows per round (a work budget; it does not change the result).
 * Throws a DecodingError naming the field for an unknown decoder, a setting the decoder does not read, k above the
 * catalogue, a beam width below k or above the limit.
 */
export function resolveDecoding(
  evalCfg: RunConfig['eval'],
  req: DecodingRequest,
  limits: DecodingLimits,
): ResolvedDecoding {
  const defaulted: string[] = [];
  const decoderName = req.decoder ?? evalCfg.decoder;
  if (req.decoder === undefined) defaulted.push('decoder');
  let entry: DecoderEntry;
  try {
    entry = getDecoder(decoderName);
  } catch (e) {
    throw new DecodingError('decoder', (e as Error).message);
  }
  if (limits.decoders !== undefined && !limits.decoders.includes(decoderName)) {
    throw new DecodingError(
      'decoder',
      `decoder '${decoderName}' is not enabled here (enabled: ${limits.decoders.join(', ')})`,
    );
  }
  const reads = new Set(entry.settings.map((s) => FIELD_OF[s]).filter((f): f is DecodingField => f !== null));
  for (const f of FIELDS) {
    if (req[f] !== undefined && !reads.has(f)) {
      throw new DecodingError(
        f,
        `${f} is not a setting of decoder '${decoderName}' (it reads: ${[...reads].join(', ') || 'nothing'})`,
      );
    }
  }
  const pick = <T>(f: DecodingField, given: T | undefined, fallback: T): T => {
    if (given !== undefined) return given;
    if (reads.has(f)) defaulted.push(f);
    return fallback;
  };
  const k = pick('k', req.k, Math.max(...evalCfg.ks));
  if (reads.has('k') && k > limits.numItems) {
    throw new DecodingError('k', `k ${k} exceeds the catalogue's ${limits.numItems} items`);
  }
  const beamWidth = pick('beamWidth', req.beamWidth, Math.max(k, evalCfg.beamWidth));
  if (reads.has('beamWidth')) {
    if (beamWidth < k) throw new DecodingError('beamWidth', `beamWidth ${beamWidth} is below k ${k}`);
    if (beamWidth > limits.maxBeamWidth) {
      throw new DecodingError('beamWidth', `beamWidth ${beamWidth} exceeds the limit ${limits.maxBeamWidth}`);
    }
  }
  const scoring = pick('scoring', req.scoring, evalCfg.scoring);
  const temperature = pick('temperature', req.temperature, evalCfg.temperature);
  if (reads.has('temperature') && temperature > 0 && temperature < MIN_TEMPERATURE) {
    throw new DecodingError(
      'temperature',
      `temperature ${temperature} must be 0 (argmax) or at least ${MIN_TEMPERATURE} (smaller ones overflow float32 logits)`,
    );
  }
  const seed = pick('seed', req.seed, evalCfg.sampleSeed);
  const all = { k, beamWidth, scoring, temperature, seed };
  const effective: ResolvedDecoding['effective'] = { decoder: decoderName };
  for (const f of FIELDS) if (reads.has(f)) effective[f] = all[f];
  return {
    settings: {
      decoder: decoderName,
      topK: reads.has('k') ? k : 1,
      beamWidth: reads.has('beamWidth') ? beamWidth : evalCfg.beamWidth,
      chunkUsers: 1,
      scoring,
      temperature,
      sampleSeed: seed,
      // VED's search settings are the run's (a server that allows 'ved' decodes with the prefix log-probability as
      // value unless it loads a value head)
      ved: vedSearchSettings(evalCfg),
    },
    effective,
    defaulted,
  };
}
