// The list task's settings (BLADE §2.1, §4.1): how lists are decoded for evaluation (`list`), and how a trained list
// model is aligned (`align`: prompts, rollouts, the reward and the alignment trainer). The loss settings of the
// alignment methods are their own sections (`grpo`, `dpo`, `advantage`, `rewards`; src/train/rl, src/rewards).
import { bool, defineConfig, int, intList, num, oneOf, str, type ConfigOf } from '../../util/config.js';
import { listDecoderNames } from '../../decode/list/registry.js';
import { REWARDS } from '../../rewards/registry.js';

export const ListConfig = defineConfig('list', {
  listLength: int({
    default: 10,
    min: 1,
    doc: 'K: items per generated list; must equal the data set’s target-list length (the spec option `targets`).',
    paper: 'BLADE §4.1.1: the next 10 items are the target list',
  }),
  excludeHistory: bool({
    default: true,
    doc: 'Mask the user’s history items out of every generated list (MovieLens never repeats an item: a history item cannot be a target).',
  }),
  decoder: oneOf(listDecoderNames() as [string, ...string[]], {
    default: 'greedy',
    doc: "Decoder of evaluation: 'greedy' (one list per user), 'sample' (one sampled list at temperature / repetitionPenalty, or the best of bestOf samples), 'beam' (the top-K distinct hypotheses of next-item beam search of width beamWidth, BLADE's 'Beam Search' baseline).",
    paper: 'BLADE §4.1.4: every trained method is evaluated with greedy decoding',
  }),
  scoring: oneOf(['full', 'valid'], {
    default: 'full',
    doc: "Distribution the recorded log-probs (and beam search's ranking) use: 'full' softmax or renormalised over the valid tokens.",
  }),
  beamWidth: int({ default: 10, min: 1, doc: "decoder 'beam': width B ≥ listLength." }),
  temperature: num({
    default: 0.8,
    min: 0,
    doc: "decoder 'sample': softmax temperature (0 = argmax).",
    paper: 'BLADE §4.1.4: 0.8',
  }),
  repetitionPenalty: num({
    default: 1.05,
    min: 1,
    doc: "decoder 'sample': Hugging Face repetition penalty on tokens already in the list (1 = off).",
    paper: 'BLADE §4.1.4: 1.05',
  }),
  bestOf: int({
    default: 1,
    min: 1,
    doc: "decoder 'sample': Best-of-N inference — N sampled lists per user, the one best by bestBy is evaluated (N× the decoding cost; 1 = off).",
    paper: 'BLADE Table 1 (Best-of-N with the oracle reward)',
  }),
  bestBy: oneOf(['oracle', 'likelihood'], {
    default: 'oracle',
    doc: "Best-of-N selection: 'oracle' = the list's NDCG@K against the user's targets (analysis only: it reads the answer), 'likelihood' = the list's log-probability under the model (deployable).",
  }),
  seed: int({
    default: 0,
    min: 0,
    doc: "decoder 'sample': seed of the samples (per user and sample, src/decode/list/list-sample.ts).",
  }),
  ks: intList({
    default: [3, 5, 10],
    minLength: 1,
    min: 1,
    doc: 'Cut-offs of Recall@K and NDCG@K (each ≤ listLength).',
    paper: 'BLADE Table 3: Recall/NDCG@3 and @5',
  }),
  chunkUsers: int({ default: 64, min: 1, doc: 'Users decoded together.' }),
  validUsers: int({
    default: 512,
    min: 0,
    doc: 'Validation prompts decoded after each epoch (0 = all), the newest ones.',
  }),
});
export type ListConfig = ConfigOf<typeof ListConfig>;

/** The alignment methods of the list task (the `objective` values beyond the token objectives). */
export const ALIGN_METHODS = ['grpo', 'dpo', 'sdpo', 'listdpo', 'bon', 'blade'] as const;
export type AlignMethod = (typeof ALIGN_METHODS)[number];
export const isAlignMethod = (name: string): name is AlignMethod => (ALIGN_METHODS as readonly string[]).includes(name);

export const AlignConfig = defineConfig('align', {
  init: str({
    default: '',
    doc: 'The trained list-task run (its directory) that alignment starts from and keeps frozen as the reference policy; required by grpo / dpo / sdpo / listdpo.',
    paper: 'BLADE §4.1.1: SFT on the full data set first, then alignment',
  }),
  prompts: int({
    default: 4096,
    min: 1,
    doc: 'Training prompts of the alignment phase, sampled (seed promptSeed) from the training split (all when fewer).',
    paper: 'BLADE §4.1.1: 4,096 training instances',
  }),
  validPrompts: int({
    default: 512,
    min: 0,
    doc: 'Validation prompts (the newest of the validation split) decoded greedily after each alignment epoch to choose the epoch (0 = no selection: the last epoch).',
    paper: 'BLADE §4.1.1: 512 validation instances',
  }),
  promptSeed: int({ default: 0, min: 0, doc: 'Seed of the training-prompt sample.' }),
  groupSize: int({
    default: 16,
    min: 2,
    doc: 'G: lists sampled per prompt (GRPO group; List-DPO pairs its lists by reward).',
    paper: 'BLADE §4.1.4: G = 16',
  }),
  negatives: int({
    default: 3,
    min: 1,
    doc: 'S-DPO: sampled lists per prompt used as rejected responses (DPO uses the first).',
    paper: 'BLADE §4.1.4: S-DPO uses 3 negative samples',
  }),
  temperature: num({ default: 0.8, min: 0, doc: 'Rollout temperature.', paper: 'BLADE §4.1.4: 0.8' }),
  repetitionPenalty: num({ default: 1.05, min: 1, doc: 'Rollout repetition penalty.', paper: 'BLADE §4.1.4: 1.05' }),
  reward: oneOf(Object.keys(REWARDS) as [string, ...string[]], {
    default: 'ndcg',
    doc: "The list reward of GRPO and List-DPO (src/rewards; its settings: rewards.<name>, e.g. rewards.ndcg.k). 'fair' / 'div' are BLADE's composite rewards (eq. 18–19).",
    paper: 'BLADE-N: NDCG; BLADE-R: Recall',
  }),
  updates: int({
    default: 1,
    min: 1,
    doc: 'μ: optimizer steps on each batch of rollouts (GRPO; > 1 makes the importance ratio and clipping active).',
    paper: 'DeepSeekMath Alg. 1: μ inner iterations; TRL’s default is 1',
  }),
  warmupEpochs: int({
    default: 1,
    min: 0,
    doc: 'DPO / S-DPO / List-DPO: epochs of SFT on the alignment prompts’ target lists before preference optimisation (0 = none).',
    paper: 'BLADE §4.1.4: warm-up SFT on the positives of the alignment subset',
  }),
  lr: num({
    default: 5e-6,
    min: 0,
    exclusiveMin: true,
    doc: 'Peak AdamW learning rate of alignment (linear decay, no warm-up).',
    paper: 'BLADE §4.1.4: 5e-6 with a linear decay (Llama-3.2-1B; a small model trained from scratch needs more)',
  }),
  epochs: int({ default: 3, min: 1, doc: 'Alignment epochs over the prompts.', paper: 'BLADE §4.1.4: 3 epochs' }),
  batchPrompts: int({ default: 16, min: 1, doc: 'Prompts per optimizer step (each with its G rollouts).' }),
  seed: int({ default: 0, min: 0, doc: 'Seed of the rollouts (per prompt, sample and epoch).' }),
  validEverySteps: int({
    default: 0,
    min: 0,
    doc: 'GRPO / BoN / BLADE: also decode the validation prompts every this many optimizer steps and record their metrics (the curve of BLADE Fig. 4; 0 = after each epoch only).',
    paper: 'BLADE Fig. 4: validation Recall@5 over training steps',
  }),
});
export type AlignConfig = ConfigOf<typeof AlignConfig>;
