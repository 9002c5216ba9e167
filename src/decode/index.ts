// Constrained decoders over a StepModel and a Constraint: beam search (HF semantics), greedy, sampling, exact
// top-K, and the registry that makes the decoder a setting.
export * from './types.js';
export type { Constraint, BatchChildren } from './constraint.js';
export { ExcludeItems } from './exclude.js';
export { runSteps } from './steps.js';
export type { StepChoice, StepCounts } from './steps.js';
export { beamSearch, beamSearchDetailed, checkBeamSettings, beamDecoder } from './beam.js';
export type { BeamSearchOptions, BeamSearchResult } from './beam.js';
export type { BeamFate, BeamTrace, BeamTraceEntry } from './beam-trace.js';
export { greedyDecode, greedyDecoder } from './greedy.js';
export type { GreedySettings } from './greedy.js';
export { sampleDecode, checkSampleSettings, sampleDecoder } from './sample.js';
export type { SampleSettings, SampleResult } from './sample.js';
export { exactTopK, checkExactSettings, exactDecoder } from './exact.js';
export type { ExactSettings, ExactResult } from './exact.js';
export { registerDecoder, getDecoder, decoderNames } from './registry.js';
export type { DecoderEntry, DecoderSettings, DecoderSettingName } from './registry.js';
