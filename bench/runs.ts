// The run store, run identity and the figure cache moved to the library's experiment layer (src/experiment/); this
// module re-exports them for code that still imports them from here.
export { configKey } from '../src/experiment/identity.js';
export { benchRunDir, isRunTag } from '../src/experiment/naming.js';
export { readRun, storedRun, trainOrReuse, type StoredRun } from '../src/experiment/store.js';
export { cachedDiagnostics, cachedEvaluation, cachedTestFigures, type CachedEval } from '../src/experiment/figures.js';
