// Run identity: what decides a run's outcome, so that a finished run can stand in for a configuration.
import { EvalConfigDef, type RunConfig } from '../pipeline/config.js';
import { unusedObjectiveSections } from '../train/objectives/registry.js';
import { isAlignMethod } from '../pipeline/list/config.js';

const ALIGN_SECTIONS = ['align', 'rewards', 'advantage', 'grpo', 'dpo'];
const LIST_SECTIONS = ['list', ...ALIGN_SECTIONS, 'bon'];

/**
 * The config sections `cfg`'s run never reads: those of the objectives it does not train with, and the list task's
 * (added with it) in a next-item run — a list run keeps them, but its token objectives (sft, msl) read no alignment
 * section.
 */
export function unusedSections(cfg: RunConfig): string[] {
  const out = unusedObjectiveSections(cfg.objective);
  if (cfg.task !== 'list') out.push(...LIST_SECTIONS);
  else if (!isAlignMethod(cfg.objective)) out.push(...ALIGN_SECTIONS, 'bon');
  else if (cfg.objective !== 'bon' && cfg.objective !== 'blade') out.push('bon');
  return out;
}

/**
 * What decides a run's outcome: the config without `threads` (speed only), without `preset` (a name for values that
 * are in the config anyway), without the sections of the objectives it does not use, and without the semantic-ID
 * sections when it uses title identifiers. Two configs with the same key train the same model.
 */
export function configKey(cfg: RunConfig): string {
  const c: Record<string, unknown> = { ...cfg };
  delete c.threads;
  delete c.cacheDir;
  delete c.preset; // a preset only names a bundle of the values below: runs equal in those are the same run
  // keys added after runs were stored: left out at their default (which is what those runs did), so stored runs
  // keep their identity and are reused
  if (cfg.prefixTargets === 'all') delete c.prefixTargets;
  if (cfg.model.responseItems === 1) {
    const { responseItems: _default, ...model } = cfg.model;
    c.model = model;
  }
  if (cfg.msl.labelSmoothing === 0) {
    const { labelSmoothing: _default, ...msl } = cfg.msl;
    c.msl = msl;
  }
  // VED's decoding keys (eval.ved*) came after stored runs: left out at their defaults
  const { vedBudget, vedLambda, vedBeta, vedWarmWidth, vedRule, ...evalRest } = cfg.eval;
  const ved = { vedBudget, vedLambda, vedBeta, vedWarmWidth, vedRule };
  const vedDefaults = EvalConfigDef.defaults();
  if ((Object.keys(ved) as (keyof typeof ved)[]).every((k) => ved[k] === vedDefaults[k])) c.eval = evalRest;
  for (const s of unusedSections(cfg)) delete c[s]; // e.g. bear's base settings are in `bear`
  if (cfg.identifier === 'title') {
    delete c.sid;
    delete c.embeddings;
  } else delete c.ids;
  return JSON.stringify(c);
}
