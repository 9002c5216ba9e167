// Objective registry: name → typed config + factory. A new objective adds one line here.
import { closest, type ConfigDef } from '../../util/config.js';
import { bear, BearConfig } from './bear.js';
import { beamSim, BeamSimConfig } from './beam-sim.js';
import { msl, MslConfig } from './msl.js';
import { sft, SftConfig } from './sft.js';
import type { Objective } from './types.js';

/** A registered objective: its config section and a factory from a validated config. */
export interface ObjectiveEntry<T> {
  readonly config: ConfigDef<T>;
  readonly create: (cfg: T) => Objective;
  /** One-line description for help texts. */
  readonly doc: string;
}

function entry<T>(config: ConfigDef<T>, create: (cfg: T) => Objective, doc: string): ObjectiveEntry<T> {
  return { config, create, doc };
}

export const OBJECTIVES = {
  sft: entry(SftConfig, sft, 'Token cross-entropy over the full vocabulary (BIGRec SFT).'),
  msl: entry(MslConfig, msl, 'Masked softmax loss: softmax over the trie-valid next tokens, temperature τ.'),
  bear: entry(BearConfig, bear, 'Base objective (sft|msl) + λ · beam-search-aware regulariser (BEAR).'),
  'beam-sim': entry(BeamSimConfig, beamSim, 'Base objective + λ · prefix vs B-th simulated beam penalty (BEAR §3.1).'),
} as const;

export type ObjectiveName = keyof typeof OBJECTIVES;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];

export function isObjectiveName(name: string): name is ObjectiveName {
  return Object.prototype.hasOwnProperty.call(OBJECTIVES, name);
}

/**
 * Builds an objective by name from a plain config object (validated against its section; missing keys take the
 * defaults). Unknown names and bad config keys throw, naming them.
 */
export function createObjective(name: string, cfg: unknown = {}, source?: string): Objective {
  if (!isObjectiveName(name)) {
    const hint = closest(name, OBJECTIVE_NAMES);
    throw new Error(
      `unknown objective '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${OBJECTIVE_NAMES.join(', ')}`,
    );
  }
  const e: ObjectiveEntry<unknown> = OBJECTIVES[name] as ObjectiveEntry<unknown>;
  return e.create(e.config.parse(cfg, source));
}
