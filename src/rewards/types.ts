// What a reward or list metric declares about itself, in its own file: its config section (BLADE's λ, the cutoff K,
// ...), a doc line, its direction, what it needs of the data set, its scope, and the factory of its pure score
// function. The registry (./registry.ts) lists the entries, one line each.
//
// Two scopes:
// - 'list': one number for one generated list (BLADE: each of the G lists of a GRPO group is scored alone);
// - 'candidates': one number per candidate of a group of single-item candidates in rank order (V-STAR, GRPO for
//   next-item recommendation): `input.list` is the group, and a reward may depend on the whole group (./rank.ts).
import type { ConfigDef } from '../util/config.js';
import type { ItemSideInfo, Need } from './side-info.js';

/** The arguments of every reward: item indices (dense), lists best first. */
export interface RewardInput {
  /** The generated list ('list' scope) or the group of candidates in rank order ('candidates' scope). */
  readonly list: readonly number[];
  /** The target items; treated as a set (a repeated target counts once). May be empty. */
  readonly targets: readonly number[];
  /** The user's history, oldest first (the genre distribution P(c|H) of MGU). */
  readonly history: readonly number[];
}

interface EntryCommon<T> {
  /** Its config section; the section key is the registry name. */
  readonly config: ConfigDef<T>;
  /** One line: what it computes. */
  readonly doc: string;
  /** Where the definition comes from (paper and equation). */
  readonly paper: string;
  readonly higherIsBetter: boolean;
  /** What the data set must provide (./side-info.ts); the registry refuses a data set that lacks it. */
  readonly needs: readonly Need[];
}

// Method syntax on purpose (as in src/train/objectives/entry.ts): entries of different config types must fit one
// registry type, which needs `cfg: T` checked bivariantly; the registry only passes what `config.parse` produced.

/** A reward of one generated list. */
export interface ListRewardEntry<T> extends EntryCommon<T> {
  readonly scope: 'list';
  create(cfg: T, side: ItemSideInfo): (input: RewardInput) => number;
}

/** A reward of each candidate of a group (one value per entry of `input.list`). */
export interface CandidateRewardEntry<T> extends EntryCommon<T> {
  readonly scope: 'candidates';
  create(cfg: T, side: ItemSideInfo): (input: RewardInput) => number[];
}

export type RewardEntry<T> = ListRewardEntry<T> | CandidateRewardEntry<T>;

/** Declares an entry (identity); `T` is taken from the config section alone. */
export function defineReward<T>(entry: { readonly config: ConfigDef<T> } & RewardEntry<NoInfer<T>>): RewardEntry<T> {
  return entry;
}

interface RewardCommon {
  readonly name: string;
  readonly higherIsBetter: boolean;
}

/** An instantiated list reward: config and data set bound. */
export interface ListReward extends RewardCommon {
  readonly scope: 'list';
  score(input: RewardInput): number;
}

/** An instantiated candidate reward: one value per candidate of the group `input.list`. */
export interface CandidateReward extends RewardCommon {
  readonly scope: 'candidates';
  score(input: RewardInput): number[];
}

export type Reward = ListReward | CandidateReward;
