// List generation under the trie (BLADE §2.1): a response is K distinct items' identifiers in a row. The list-wise
// constraint, the shared step loop, the greedy / sampling / beam-list decoders and their registry.
export * from './types.js';
export { ListConstraint, type ListConstraintOptions } from './list-constraint.js';
export { decodeLists, checkListRun, type ListStep, type ListPick, type ListRunSettings } from './list-steps.js';
export { countListItems, type DecodedList, type ListCounts } from './list-check.js';
export { listGreedy, listGreedyDecoder, type ListGreedySettings } from './list-greedy.js';
export { listSample, listSampleDecoder, type ListSampleSettings } from './list-sample.js';
export { listBeam, listBeamDecoder, type ListBeamSettings, type ListBeamResult } from './list-beam.js';
export { registerListDecoder, getListDecoder, listDecoderNames } from './registry.js';
