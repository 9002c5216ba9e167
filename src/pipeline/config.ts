// The run configuration: every section of a train / eval job in one typed, documented,
// layered config (defaults < preset < config file < command-line flags). The objective key and the objective
// sections are derived from the objective registry (runConfigFor), so a new objective never edits this file; the
// task and decoder keys take their values from the task and decoder registries.
import { bool, defineConfig, int, intList, num, oneOf, str, type ConfigOf } from '../util/config.js';
import { MODEL_PRESETS, ModelConfigDef } from '../model/config.js';
import { TrainerConfig } from '../train/trainer.js';
import { OBJECTIVES, type ObjectiveRegistry } from '../train/objectives/registry.js';
import { SidConfig } from '../sid/build.js';
import { EmbeddingConfig } from '../sid/embedding-config.js';
import { TASK_DOCS, TASK_NAMES } from './tasks/registry.js';
import { IDENTIFIERS, IDENTIFIER_NAMES } from './identifiers/registry.js';
import type { EvalSettings } from './evaluate.js';
import { decoderNames } from '../decode/registry.js';
import type { VedSearchSettings } from '../decode/types.js';
import { checkTitleConfig, TitleIdentifierConfigDef } from '../ids/config.js';
import { RewardsConfig } from '../rewards/registry.js';
import { AdvantageConfig } from '../train/rl/advantages.js';
import { GrpoConfig } from '../train/rl/grpo-loss.js';
import { BonTargetConfig } from '../train/rl/bon-target.js';
import { DpoConfig } from '../train/rl/dpo-loss.js';
import { ALIGN_METHODS, AlignConfig, isAlignMethod, ListConfig } from './list/config.js';

export const EvalConfigDef = defineConfig('eval', {
  decoder: oneOf(decoderNames(), {
    default: 'beam',
    doc: "Decoder of evaluation and recommend (decode/registry.ts): 'beam' = constrained beam search of width beamWidth (top-K); 'greedy' = one item per user, the most likely valid token each step; 'sample' = max(ks) draws per user at temperature (seed sampleSeed), the distinct items drawn; 'exact' = the exact top-K by best-first search (no pruning; slow on flat models).",
    paper: 'BIGRec/BEAR/MSL evaluate with constrained beam search',
  }),
  beamWidth: int({ default: 10, min: 1, doc: 'Constrained beam search width B.', paper: 'BEAR §4.1: B = 10' }),
  ks: intList({ default: [5, 10], minLength: 1, min: 1, doc: 'Cut-offs K for HR@K and NDCG@K (max K ≤ beamWidth).' }),
  chunkUsers: int({ default: 64, min: 1, doc: 'Users decoded together (rows per step = users × beamWidth).' }),
  validUsers: int({ default: 500, min: 0, doc: 'Validation examples decoded after each epoch (0 = all).' }),
  scoring: oneOf(['full', 'valid'], {
    default: 'full',
    doc: "Distribution decoding ranks by: 'full' softmax with invalid tokens removed (HF prefix-constrained decoding), or renormalised over the trie-valid tokens ('valid', the distribution MSL trains).",
    paper: 'BIGRec/BEAR decode with HF constrained beam search; MSL trains the valid-token softmax',
  }),
  temperature: num({
    default: 1,
    min: 0,
    doc: "decoder 'sample': softmax temperature over the valid tokens (0 = argmax, i.e. greedy).",
  }),
  sampleSeed: int({
    default: 0,
    min: 0,
    doc: "decoder 'sample': seed of libtorch's generator; each chunk of users is seeded with sampleSeed + its first user's index.",
  }),
  vedBudget: int({
    default: 0,
    min: 0,
    doc: "decoder 'ved': model-evaluated tokens per user (root 1, each added prefix 1); 0 = beam search's at beamWidth, 1 + (longest identifier − 1)·beamWidth.",
    paper: 'V-STAR §5.5: budgets 1 + 2B … 1 + 8B for 3-token codes',
  }),
  vedLambda: num({
    default: 0.1,
    min: 0,
    doc: "decoder 'ved': λ, weight of the policy entropy in the priority G = V + λH.",
    paper: 'V-STAR §5.1: λ = 0.1',
  }),
  vedBeta: num({
    default: 0.5,
    min: 0,
    doc: "decoder 'ved': β, UCB exploration weight (eq. 13).",
    paper: 'V-STAR eq. 13 (value not stated)',
  }),
  vedWarmWidth: int({
    default: 8,
    min: 1,
    doc: "decoder 'ved': width of the warm-start beam search.",
    paper: 'V-STAR §5.1: 8',
  }),
  vedRule: oneOf(['G', 'V', 'H'], {
    default: 'G',
    doc: "decoder 'ved': expansion priority, G = V + λH (the paper's), V or H alone (Table 3's ablations).",
  }),
});

// The run config's own keys, in three runs around what the objective registry adds (runConfigFor): the
// `objective` key after RUN_KEYS_HEAD, one section per objective between RUN_KEYS and RUN_KEYS_TAIL.
const RUN_KEYS_HEAD = {
  dataset: str({
    default: 'embedded:office-mini',
    nonEmpty: true,
    doc: "Data: 'embedded:office-mini' (or 'embedded:genre-drift', the synthetic set of the list task, as next-item windows), 'windows:<dir>' (BEAR CSVs; '?train=train_10000.csv&test=…&valid=…' picks other files of the directory, '&trainSample=N&sampleSeed=S' a random train sample), or 'interactions:<file>' (a user,item,timestamp log, .csv or .jsonl; options '?titles=items.jsonl' (.jsonl items or a .json id→title map, relative to the log's directory), '&protocol=bear-windows|leave-one-out' (default bear-windows: chronological 8:1:1), '&kcore=5' (0 or 1 = off), '&window=11', and for bear-windows '&train=0.8&valid=0.1'), or 'sequences:<dir>' (sequences.jsonl + items.jsonl, the MovieLens format; options '?protocol=…&window=…&train=…&valid=…' as for interactions, '&trainSample=N&sampleSeed=S' a random sample of the training windows, '&sequences=<file>&items=<file>').",
  }),
  task: oneOf(TASK_NAMES as [string, ...string[]], {
    default: 'next-item',
    doc: `What the model learns to produce and how it is judged: ${TASK_NAMES.map((n) => `'${n}' (${TASK_DOCS[n]})`).join('; ')}`,
  }),
  preset: oneOf(['tiny', 'small', 'base'], {
    default: 'base',
    doc: "Preset applied before file and flags (RUN_PRESETS): 'base' = the recipe chosen on validation in issue 17 (small model; semantic IDs from text + co-occurrence embeddings, novel prefix targets, valid-token scoring; docs/RESULTS.md, 'Model quality'); 'small' = the same model and trainer with the plain defaults (title identifiers, every prefix; the default before issue 17); 'tiny' = a small model for tests and smoke runs.",
    paper: 'docs/RESULTS.md leaderboard: base 0.0422 vs titles 0.0141 valid NDCG@10 on amazon-office',
  }),
};

const RUN_KEYS = {
  seed: int({
    default: 0,
    doc: 'Seed of the whole run: initialisation, and shuffling and dropout through trainer.seed (seed 0 uses trainer.seed as is, others a stream forked from both).',
  }),
  threads: int({
    default: 0,
    min: 0,
    doc: "libtorch threads (0 = one per core that is not busy, measured at start); at most this machine's cores.",
  }),
  trainOnPrefixes: bool({
    default: true,
    doc: 'Also train on every prefix of each window (n−1 targets per window).',
    paper: 'shared/data README: the largest lever measured (MSL 0.0144 → 0.0198 on office)',
  }),
  prefixTargets: oneOf(['all', 'novel'], {
    default: 'all',
    doc: "With trainOnPrefixes: 'all' = every prefix of every window; 'novel' = only prefixes whose target (after the same preceding items) is no window's target already — with sliding windows mostly each user's first items, 3–4× fewer examples (pipeline/task.ts expandPrefixes).",
  }),
  select: bool({
    default: true,
    doc: 'Choose the epoch count on validation (early stopping on validation NDCG@10). false: skip it and train on train+valid for exactly trainer.epochs epochs (e.g. an epoch count another seed chose on validation).',
  }),
  refit: bool({
    default: true,
    doc: 'After choosing the epoch count on validation, retrain from scratch on train+valid before testing.',
    paper: 'shared/data README: the newest weeks matter most on a time split',
  }),
  identifier: oneOf(IDENTIFIER_NAMES as [string, ...string[]], {
    default: 'title',
    doc: `Item identifiers: ${IDENTIFIER_NAMES.map((n) => `'${n}' (${IDENTIFIERS[n].doc})`).join('; ')}.`,
    paper: IDENTIFIER_NAMES.map((n) => `${n}: ${IDENTIFIERS[n].paper ?? ''}`).join('; '),
  }),
  sidIndex: str({
    default: '',
    doc: "identifier 'sid': a semantic-ID index file written by `genrec index` (checked against the catalogue title by title) instead of building one ('' = build from the sid and embeddings sections).",
  }),
  cacheDir: str({
    default: 'runs/cache',
    doc: "Directory of artefacts reused across runs (item embeddings, keyed by config and data set); '' = no cache. Does not change results.",
  }),
  out: str({ default: '', doc: "Run directory for checkpoints and results ('' = runs/<dataset>-<objective>-<seed>)." }),
  ids: TitleIdentifierConfigDef,
  sid: SidConfig,
  embeddings: EmbeddingConfig,
  model: ModelConfigDef,
  trainer: TrainerConfig,
  eval: EvalConfigDef,
};

const RUN_KEYS_TAIL = {
  popularity: defineConfig('baselines', {
    enabled: bool({ default: true, doc: 'Also evaluate the most-popular baseline on the test set.' }),
  }),
  // the list task (task = 'list'; src/pipeline/list/): decoding, alignment, and the alignment losses' settings
  list: ListConfig,
  align: AlignConfig,
  rewards: RewardsConfig,
  advantage: AdvantageConfig,
  grpo: GrpoConfig,
  dpo: DpoConfig,
  bon: BonTargetConfig,
};

/** The alignment methods' one-line docs (the `objective` values of the list task beyond the token objectives). */
const ALIGN_DOCS: Record<(typeof ALIGN_METHODS)[number], string> = {
  grpo: 'list task: GRPO on sampled lists and a list reward from a trained run (align.init; BLADE eq. 2–3).',
  dpo: 'list task: DPO, the target list against a sampled list (BLADE §4.1.2).',
  sdpo: 'list task: S-DPO, the target list against align.negatives sampled lists.',
  listdpo: 'list task: List-DPO, pairs of sampled lists ordered by their reward.',
  bon: 'list task: static Best-of-N alignment (vBoN, BLADE eq. 5–7): GRPO on (N − 1)·log F_ref of the reward, F_ref from bon.referenceSize lists of the init policy (τ = 0).',
  blade:
    'list task: BLADE (eq. 11–15): GRPO on (N − 1)·log F̂, F̂ fusing the reference counts with the current group’s (bon.tau; bon.referenceSize 0 = no prior).',
};

/** One config section per registered objective, keyed by its registry name, in registry order. */
export type ObjectiveSections<O extends ObjectiveRegistry> = { -readonly [K in keyof O]: O[K]['config'] };

function objectiveSections<O extends ObjectiveRegistry>(objectives: O): ObjectiveSections<O> {
  return Object.fromEntries(Object.entries(objectives).map(([k, e]) => [k, e.config])) as ObjectiveSections<O>;
}

/** The `objective` key's description: the generic sentence, then each objective's one-line doc. */
function objectiveDoc(objectives: ObjectiveRegistry): string {
  const each = [
    ...Object.entries(objectives).map(([k, e]) => `'${k}': ${e.doc}`),
    ...ALIGN_METHODS.map((k) => `'${k}': ${ALIGN_DOCS[k]}`),
  ];
  return `Training objective (its settings: the section of the same name). ${each.join(' ')}`;
}

/**
 * The run config over a list of objectives: the `objective` key takes the registry's names and each objective
 * gets its section, between `eval` and `popularity`. RunConfigDef is this over OBJECTIVES; tests build it over a
 * registry with an extra objective to check that adding one needs no edit here.
 */
export function runConfigFor<O extends ObjectiveRegistry>(objectives: O, defaultObjective: keyof O & string) {
  const names = Object.keys(objectives) as (keyof O & string)[];
  const taken = new Set([
    'objective',
    ...ALIGN_METHODS,
    ...Object.keys({ ...RUN_KEYS_HEAD, ...RUN_KEYS, ...RUN_KEYS_TAIL }),
  ]);
  const clash = names.find((n) => taken.has(n));
  if (clash !== undefined)
    throw new Error(`objective '${clash}': its config section would replace the run key '${clash}'`);
  return defineConfig('run', {
    ...RUN_KEYS_HEAD,
    objective: oneOf([...names, ...ALIGN_METHODS], { default: defaultObjective, doc: objectiveDoc(objectives) }),
    ...RUN_KEYS,
    ...objectiveSections(objectives),
    ...RUN_KEYS_TAIL,
  });
}

export const RunConfigDef = runConfigFor(OBJECTIVES, 'msl');
export type RunConfig = ConfigOf<typeof RunConfigDef>;

const SMALL_TRAINER = { lr: 1e-3, batchSize: 64, epochs: 20, patience: 3, warmup: 0.05 } as const;

/** Presets: model shape, trainer settings suited to training from scratch on CPU and, for `base`, the recipe. */
export const RUN_PRESETS = {
  tiny: {
    model: MODEL_PRESETS.tiny,
    trainer: { lr: 2e-3, batchSize: 64, epochs: 8, patience: 3, warmup: 0.05 },
    eval: { validUsers: 300 },
    trainOnPrefixes: false,
  },
  small: {
    model: MODEL_PRESETS.small,
    trainer: SMALL_TRAINER,
    eval: { validUsers: 0 },
  },
  // issue 17's recipe, chosen on amazon-office validation (docs/RESULTS.md, "Model quality"): row 5 of the leaderboard
  base: {
    model: MODEL_PRESETS.small,
    trainer: SMALL_TRAINER,
    eval: { validUsers: 0, scoring: 'valid' },
    identifier: 'sid',
    embeddings: { sources: ['text', 'cooc'] },
    trainOnPrefixes: true,
    prefixTargets: 'novel',
  },
} as const;

/** Layers: defaults < preset < file < flags. `layers` are (value, source) pairs, in order. */
export function resolveRunConfig(layers: { value: unknown; source: string }[]): RunConfig {
  // the preset can be chosen in any layer: find the last one that names it
  let preset: RunConfig['preset'] = RunConfigDef.defaults().preset;
  for (const l of layers) {
    const p = (l.value as { preset?: unknown } | null)?.preset;
    if (p !== undefined) preset = RunConfigDef.merge(RunConfigDef.defaults(), { preset: p }, l.source).preset;
  }
  let cfg = RunConfigDef.merge(RunConfigDef.defaults(), RUN_PRESETS[preset], `preset ${preset}`);
  for (const l of layers) cfg = RunConfigDef.merge(cfg, l.value, l.source);
  if (Math.max(...cfg.eval.ks) > cfg.eval.beamWidth) {
    throw new Error(`eval.ks: cut-off ${Math.max(...cfg.eval.ks)} exceeds eval.beamWidth ${cfg.eval.beamWidth}`);
  }
  if (cfg.task === 'list') {
    // a list response holds listLength identifiers: the model's position table must be sized for them
    if (cfg.model.responseItems === 1) cfg = { ...cfg, model: { ...cfg.model, responseItems: cfg.list.listLength } };
    if (cfg.model.responseItems < cfg.list.listLength)
      throw new Error(
        `model.responseItems: ${cfg.model.responseItems} identifiers per response cannot hold a list of list.listLength = ${cfg.list.listLength}`,
      );
    const k = Math.max(...cfg.list.ks);
    if (k > cfg.list.listLength)
      throw new Error(`list.ks: cut-off ${k} exceeds list.listLength ${cfg.list.listLength}`);
    if (cfg.list.decoder === 'beam' && cfg.list.beamWidth < cfg.list.listLength)
      throw new Error(`list.beamWidth: ${cfg.list.beamWidth} is below list.listLength ${cfg.list.listLength}`);
  } else if (isAlignMethod(cfg.objective)) {
    throw new Error(
      `objective '${cfg.objective}' aligns a list-task model: it needs --task list (and --align.init RUN, the trained run to start from)`,
    );
  }
  checkTitleConfig(cfg.ids);
  if (cfg.model.dModel % cfg.model.nHeads !== 0) {
    throw new Error(`model.nHeads: ${cfg.model.nHeads} does not divide model.dModel ${cfg.model.dModel}`);
  }
  return cfg;
}

/** The evaluation settings of a run configuration (every decoding setting explicit). */
export function evalSettings(cfg: RunConfig): EvalSettings {
  return {
    decoder: cfg.eval.decoder,
    beamWidth: cfg.eval.beamWidth,
    ks: cfg.eval.ks,
    chunkUsers: cfg.eval.chunkUsers,
    scoring: cfg.eval.scoring,
    temperature: cfg.eval.temperature,
    sampleSeed: cfg.eval.sampleSeed,
    // VED's settings only when it decodes (other decoders' settings, and the caches keyed by them, stay as they were)
    ...(cfg.eval.decoder === 'ved' ? { ved: vedSearchSettings(cfg.eval) } : {}),
  };
}

/** VED's search settings from the eval section's `ved*` keys. */
export function vedSearchSettings(e: RunConfig['eval']): VedSearchSettings {
  return {
    budget: e.vedBudget,
    lambda: e.vedLambda,
    beta: e.vedBeta,
    warmWidth: e.vedWarmWidth,
    rule: e.vedRule as VedSearchSettings['rule'],
  };
}

/** The config section of the run's token objective; alignment methods (grpo, dpo, …) have no token objective. */
export function objectiveSection(cfg: RunConfig): unknown {
  const o = cfg.objective;
  if (isAlignMethod(o))
    throw new Error(
      `objective '${o}' is an alignment method of the list task, not a token objective (see --task list)`,
    );
  return cfg[o];
}
