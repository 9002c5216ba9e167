// Trie-constrained decoders over a StepModel: beam search (HF semantics), greedy, sampling, exact top-K.
export * from './types.js';
export { beamSearch, beamSearchDetailed, checkBeamSettings } from './beam.js';
export type { BeamSearchOptions, BeamSearchResult } from './beam.js';
export { greedyDecode } from './greedy.js';
export { sampleDecode, checkSampleSettings } from './sample.js';
export type { SampleSettings, SampleResult } from './sample.js';
export { exactTopK, checkExactSettings } from './exact.js';
export type { ExactSettings, ExactResult } from './exact.js';
