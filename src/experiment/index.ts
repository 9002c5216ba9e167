// The experiment layer: run identity and naming, the run store (train or reuse a finished run), the cache of a run's
// test figures, the seed protocol, summaries over seeds and data subsets. It sits above the pipeline (the store trains
// through runExperiment); the benches' drivers print its figures as tables.
export { configKey } from './identity.js';
export { benchRunDir, isRunTag } from './naming.js';
export { fromResults, readRun, storedRun, trainOrReuse, type StoredRun } from './store.js';
export { cached, modelStamp, readCached, writeCached, type CacheSlot } from './cache.js';
export {
  cachedDiagnostics,
  cachedEvaluation,
  cachedTestFigures,
  diagnosticsSlot,
  evaluationSlot,
  type CachedEval,
} from './figures.js';
export { fixedEpochs, seedProtocolRuns, type FixedEpochs, type SeedProtocol } from './seeds.js';
export { seedRun, summarize, type SeedRun, type Summary } from './summary.js';
export { setSpec, userSubset } from './data.js';
export { buildReport, writeReport, type ReportOptions } from './report.js';
