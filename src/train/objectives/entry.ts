// What an objective declares about itself, in its own file: its config section, a one-line doc, the loss factory
// and, when it needs more than teacher-forced logits, a `prepare` hook. The registry (./registry.ts) lists these
// entries, one line each; the run config, `genrec config` and bench run identity are derived from that list.
import type { ConfigDef } from '../../util/config.js';
import type { Objective, ObjectiveExtras, ObjectiveInput, ObjectiveOutput, PrepareContext } from './types.js';

/** An objective's loss alone. */
export type ObjectiveLoss = (input: ObjectiveInput) => ObjectiveOutput;

/**
 * A registered objective. Method syntax on purpose: entries of different config types `T` must fit one registry
 * type (`ObjectiveEntry<unknown>`), which needs `cfg: T` to be checked bivariantly; the registry only ever passes a
 * config that `config.parse` produced.
 *
 * Settings: an objective reads its own section and no other (`create`/`prepare` receive only that section), so
 * whatever it shares with a base objective (e.g. bear's and beam-sim's MSL temperature) is repeated in its section.
 * Run identity (configKey, src/experiment/identity.ts) relies on this: it keeps the chosen objective's section alone.
 */
export interface ObjectiveEntry<T> {
  /** Its section of the run config; the section key is the registry name. */
  readonly config: ConfigDef<T>;
  /** One line for `genrec config` (the `objective` key's description) and help texts. */
  readonly doc: string;
  /** The loss for a validated config (a plain function; the hook, if any, is declared below, not attached). */
  create(cfg: T): ObjectiveLoss;
  /**
   * Optional: the extra inputs of one batch (see ObjectiveExtras in ./types.ts), computed before the forward pass.
   * Called by the training task once per batch with the model in its training mode; use `ctx.withStepModel` for
   * anything decoded.
   */
  prepare?(cfg: T, ctx: PrepareContext): Partial<ObjectiveExtras>;
}

/**
 * Declares an entry (identity). `T` is taken from the config section alone (NoInfer elsewhere), so a factory with
 * a looser parameter (`bear(cfg: Partial<BearConfig> = {})`) cannot widen the section's value type.
 */
export function defineObjective<T>(
  entry: { readonly config: ConfigDef<T> } & ObjectiveEntry<NoInfer<T>>,
): ObjectiveEntry<T> {
  return entry;
}

/**
 * The objective of `entry` for an already validated `cfg`: its loss, with the entry's `prepare` bound to `cfg`.
 * The loss function is wrapped, never mutated (factories may return a shared module function such as sftLoss).
 */
export function instantiateObjective<T>(entry: ObjectiveEntry<T>, cfg: T): Objective {
  const loss = entry.create(cfg);
  const prepare = entry.prepare;
  if (prepare === undefined) return loss;
  const call: Objective = (input) => loss(input);
  return Object.assign(call, { prepare: (ctx: PrepareContext) => prepare.call(entry, cfg, ctx) });
}
