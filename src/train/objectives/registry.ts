// Objective registry: the single list of objectives, one line each. An objective declares everything about itself
// (config section, doc, loss, optional prepare hook) in its own file as an ObjectiveEntry (./entry.ts); adding one
// is that file plus one line below. Derived from this list: the run config's `objective` values and objective
// sections (src/pipeline/config.ts runConfigFor), hence `genrec config`, and run identity (src/experiment/identity.ts).
import { closest } from '../../util/config.js';
import { BEAM_SIM_OBJECTIVE } from './beam-sim.js';
import { BEAR_OBJECTIVE } from './bear.js';
import { instantiateObjective, type ObjectiveEntry } from './entry.js';
import { MSL_OBJECTIVE } from './msl.js';
import { SFT_OBJECTIVE } from './sft.js';
import type { Objective } from './types.js';

export { defineObjective, instantiateObjective, type ObjectiveEntry, type ObjectiveLoss } from './entry.js';

/** Registry name → entry. The order is the run config's section order (and `genrec config`'s). */
export type ObjectiveRegistry = Readonly<Record<string, ObjectiveEntry<unknown>>>;

export const OBJECTIVES = {
  sft: SFT_OBJECTIVE,
  msl: MSL_OBJECTIVE,
  bear: BEAR_OBJECTIVE,
  'beam-sim': BEAM_SIM_OBJECTIVE,
} as const satisfies ObjectiveRegistry;

export type ObjectiveName = keyof typeof OBJECTIVES;
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];

export function isObjectiveName(name: string): name is ObjectiveName {
  return Object.prototype.hasOwnProperty.call(OBJECTIVES, name);
}

/**
 * Builds the objective `name` of `registry` from a plain config object (validated against its section; missing
 * keys take the defaults). Unknown names and bad config keys throw, naming them.
 */
export function createObjectiveIn(
  registry: ObjectiveRegistry,
  name: string,
  cfg: unknown = {},
  source?: string,
): Objective {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    const names = Object.keys(registry);
    const hint = closest(name, names);
    throw new Error(
      `unknown objective '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${names.join(', ')}`,
    );
  }
  const e = registry[name];
  return instantiateObjective(e, e.config.parse(cfg, source));
}

/** {@link createObjectiveIn} over the registry above. */
export function createObjective(name: string, cfg: unknown = {}, source?: string): Objective {
  return createObjectiveIn(OBJECTIVES, name, cfg, source);
}

/**
 * Sections of a run config that cannot affect a run training `objective`: those of the other objectives (each
 * objective reads its own section only, see ObjectiveEntry). Run identity drops them.
 */
export function unusedObjectiveSections(objective: string, registry: ObjectiveRegistry = OBJECTIVES): string[] {
  return Object.keys(registry).filter((s) => s !== objective);
}
