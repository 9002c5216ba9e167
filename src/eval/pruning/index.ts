// BEAR's beam-search pruning diagnostics (Yang et al. 2026, /work/shared/papers/bear.md §2.3, §3.2, Figures 3, 4, 6):
// the library API's `pruning` namespace (src/index.ts). Inside genrec, import the module of each concern:
// ./sibling-ranks.ts (the necessary condition), ./witness.ts (the witness pool of 'target' mode), ./diagnostics.ts
// (the search driver), ./summary.ts (the per-user figures and their summary), ./model.ts (a GenRecModel's entry).
export { violationSteps, siblingRanksFromStepModel, type SiblingRanks } from './sibling-ranks.js';
export { siblingRanksTeacherForced, itemLogProbs, modelPruningDiagnostics } from './model.js';
export type { PruningSettings } from './settings.js';
export { pruningDiagnostics, type PruningSource } from './diagnostics.js';
export type { PruningPerUser, PruningKSummary, PruningSummary, PruningSeconds, PruningResult } from './summary.js';
