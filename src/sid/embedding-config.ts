/** The embedding config section (`sid.embeddings`): which sources, their widths and parameters (./embeddings.ts). */
import { bool, defineConfig, int, num, str, strList, type ConfigOf } from '../util/config.js';

export const EMBEDDING_SOURCES = ['text', 'cooc', 'file'] as const;
export type EmbeddingSource = (typeof EMBEDDING_SOURCES)[number];

export const EmbeddingConfig = defineConfig('embeddings', {
  sources: strList({
    default: ['text'],
    minLength: 1,
    doc: "Embedding blocks to concatenate, in order: 'text' (TF-IDF + SVD of titles), 'cooc' (PPMI + SVD), 'file'.",
  }),
  dim: int({ default: 64, min: 1, max: 4096, doc: 'Width of each computed block (text, cooc).' }),
  seed: int({ default: 0, doc: 'Seed of the randomized SVD.' }),
  minDf: int({
    default: 2,
    min: 1,
    doc: 'Text: drop features (words, 3-grams, genres) found in fewer items (they cannot make two items similar).',
  }),
  charWeight: num({ default: 1, min: 0, doc: 'Text: weight of the character 3-gram block relative to words (1).' }),
  genreWeight: num({ default: 1, min: 0, doc: 'Text: weight of the genre block relative to words (1).' }),
  oversample: int({ default: 10, min: 0, doc: 'Randomized SVD: extra random directions (Halko et al. 2011: 5-10).' }),
  powerIters: int({ default: 4, min: 0, doc: 'Randomized SVD: subspace (power) iterations.' }),
  coocWindow: int({ default: 10, min: 1, doc: 'Cooc: history items (most recent first) paired with each target.' }),
  ppmiAlpha: num({
    default: 0.75,
    min: 0,
    max: 1,
    doc: 'Cooc: context-distribution smoothing exponent of PPMI.',
    paper: 'Levy, Goldberg & Dagan 2015 (0.75)',
  }),
  file: str({ default: '', doc: "File: path of a .jsonl or .safetensors embedding file (needed for 'file')." }),
  fileIds: str({
    default: '',
    doc: "File: JSON array of rawIds giving the row order of a .safetensors file (else its metadata 'raw_ids').",
  }),
  ignoreUnknown: bool({
    default: false,
    doc: 'File: skip rows whose rawId is not in the catalog (default: such a row is an error).',
  }),
});
export type EmbeddingConfig = ConfigOf<typeof EmbeddingConfig>;
