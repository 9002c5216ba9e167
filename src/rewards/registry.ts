// Reward and list-metric registry: the single list, one line each (RecBole-style: every entry declares its
// direction, its needs and its config section in its own file, ./types.ts). Adding one is that file plus one line
// below. Lookup by name (createReward) validates the entry's config section and refuses a data set that lacks what
// the entry needs, naming both; RewardsConfig is every section under one typed config (`rewards.fair.lambda`).
import { closest, defineConfig } from '../util/config.js';
import { DIV, FAIR } from './composite.js';
import { HIT } from './hit.js';
import { ILD } from './ild.js';
import { MGU } from './mgu.js';
import { NDCG } from './ndcg.js';
import { RANK } from './rank.js';
import { RECALL } from './recall.js';
import { SEMANTIC } from './semantic.js';
import { lacks, type ItemSideInfo } from './side-info.js';
import type { Reward, RewardEntry } from './types.js';

type RewardRegistry = Readonly<Record<string, RewardEntry<unknown>>>;

export const REWARDS = {
  recall: RECALL,
  ndcg: NDCG,
  hit: HIT,
  rank: RANK,
  semantic: SEMANTIC,
  mgu: MGU,
  ild: ILD,
  fair: FAIR,
  div: DIV,
} as const satisfies RewardRegistry;

export type RewardName = keyof typeof REWARDS;

/** The entry called `name`; unknown names throw, with the closest known name and the list. */
export function rewardEntry(name: string): RewardEntry<unknown> {
  if (Object.prototype.hasOwnProperty.call(REWARDS, name)) return REWARDS[name as RewardName];
  const names = Object.keys(REWARDS);
  const hint = closest(name, names);
  throw new Error(`unknown reward '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; known: ${names.join(', ')}`);
}

/**
 * Why reward `name` is unavailable on `side`'s data set (`reward 'mgu' needs item genres; data set X has none`), or
 * undefined when it is available. For evaluation tables that report a metric as unavailable instead of failing.
 */
export function unavailableReason(name: string, side: ItemSideInfo): string | undefined {
  for (const need of rewardEntry(name).needs) {
    const why = lacks(side, need);
    if (why !== undefined) return `reward '${name}' needs ${why}`;
  }
  return undefined;
}

/**
 * Reward `name` on `side`'s data set with config section `cfg` (a plain object; missing keys take the defaults).
 * Throws for an unknown name, an unknown key or bad value in `cfg` (naming the key), and a data set that lacks
 * what the reward needs.
 */
export function createReward(name: string, side: ItemSideInfo, cfg: unknown = {}, source?: string): Reward {
  const entry = rewardEntry(name);
  const parsed = entry.config.parse(cfg, source);
  const why = unavailableReason(name, side);
  if (why !== undefined) throw new Error(why);
  const common = { name, higherIsBetter: entry.higherIsBetter };
  return entry.scope === 'list'
    ? { ...common, scope: 'list', score: entry.create(parsed, side) }
    : { ...common, scope: 'candidates', score: entry.create(parsed, side) };
}

type Sections = { [K in RewardName]: (typeof REWARDS)[K]['config'] };

function sectionsOf(registry: typeof REWARDS): Sections {
  return Object.fromEntries(Object.entries(registry).map(([k, e]) => [k, e.config])) as Sections;
}

/** Every reward's section, keyed by its registry name: `{ fair: { relevance, k, lambda }, ... }`. */
export const RewardsConfig = defineConfig('rewards', sectionsOf(REWARDS));
