// Rewards and list metrics: pure functions of (list, targets, history, item side information) → number, one file
// each, and their registry (./registry.ts). Importable from training (GRPO rewards) and evaluation (list metrics).
export type { RewardInput, RewardEntry, Reward, ListReward, CandidateReward } from './types.js';
export { defineReward } from './types.js';
export { itemSideInfo, type ItemSideInfo, type EmbeddingMatrix, type Need } from './side-info.js';
export { REWARDS, RewardsConfig, createReward, rewardEntry, unavailableReason, type RewardName } from './registry.js';
export { recallAtK } from './recall.js';
export { ndcgAtK } from './ndcg.js';
export { hitRewards } from './hit.js';
export { rankRewards } from './rank.js';
export { semanticRewards, cosine } from './semantic.js';
export { mgu, mguMax } from './mgu.js';
export { ild } from './ild.js';
export { fairReward, divReward } from './composite.js';
