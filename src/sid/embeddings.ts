/**
 * Item embeddings for building semantic IDs (the vectors that residual k-means / RQ-VAE quantise).
 *
 * Sources (config `sources`, concatenated in the given order when several are listed):
 * - `text`: TF-IDF over the words and the character 3-grams of each item's title (plus its genres, if any), reduced
 *   by a randomized truncated SVD to `dim` columns (item vector = U·Σ, i.e. LSA), rows L2-normalised. No downloaded
 *   model. Word, 3-gram and genre blocks are each L2-normalised before weighting, so the ~10× more numerous 3-grams do
 *   not drown the words.
 * - `cooc`: collaborative. Symmetric co-occurrence counts from training examples (target, each history item within
 *   the last `coocWindow` positions; with sliding windows every ordered pair of positions is counted exactly once),
 *   PPMI with context-distribution smoothing α (Levy, Goldberg & Dagan 2015), truncated SVD, item = U·Σ^½, rows
 *   L2-normalised. Items that never co-occur (cold items) get the zero vector.
 * - `file`: user supplied (see loadEmbeddingFile, ./embedding-file.ts).
 *
 * Every block has exactly its configured width (columns beyond the matrix rank are zero); the concatenation of
 * several blocks is L2-normalised again. Deterministic given `seed`; `fingerprint` is sha256 of (dim, float32 bytes).
 *
 * Here: the configured embedding (buildItemEmbeddings) and the concatenation of blocks. The pieces, one concern
 * each: the config section (./embedding-config.ts), one matrix and its fingerprint (./item-embeddings.ts), and the
 * sources (./text-embeddings.ts, ./cooc-embeddings.ts, ./embedding-file.ts).
 */
import { coocEmbeddings } from './cooc-embeddings.js';
import { EMBEDDING_SOURCES, EmbeddingConfig } from './embedding-config.js';
import { loadEmbeddingFile } from './embedding-file.js';
import {
  makeEmbeddings,
  normalizeRows,
  type EmbExample,
  type EmbItem,
  type ItemEmbeddings,
} from './item-embeddings.js';
import { textEmbeddings } from './text-embeddings.js';

/** Concatenates blocks column-wise (each is L2-normalised first) and L2-normalises the result. */
export function concatEmbeddings(parts: ReadonlyArray<ItemEmbeddings>): ItemEmbeddings {
  if (parts.length === 0) throw new Error('embeddings: nothing to concatenate');
  const n = parts[0].numItems;
  for (const p of parts) {
    if (p.numItems !== n) throw new Error(`embeddings: cannot concatenate ${p.numItems} and ${n} items`);
  }
  if (parts.length === 1) return parts[0];
  const dim = parts.reduce((a, p) => a + p.dim, 0);
  const data = new Float32Array(n * dim);
  let off = 0;
  for (const p of parts) {
    const block = Float32Array.from(p.data);
    normalizeRows(block, p.dim);
    for (let i = 0; i < n; i++) data.set(block.subarray(i * p.dim, (i + 1) * p.dim), i * dim + off);
    off += p.dim;
  }
  normalizeRows(data, dim);
  return makeEmbeddings(data, n, dim, parts.map((p) => p.source).join('+'));
}

/** Builds the configured embedding (see {@link EmbeddingConfig}); `train` is needed for 'cooc'. */
export function buildItemEmbeddings(
  items: ReadonlyArray<EmbItem>,
  train: ReadonlyArray<EmbExample>,
  config: Partial<EmbeddingConfig> = {},
): ItemEmbeddings {
  const cfg = EmbeddingConfig.parse(config);
  const parts = cfg.sources.map((s, k) => {
    if (!(EMBEDDING_SOURCES as readonly string[]).includes(s)) {
      throw new Error(`embeddings config: sources[${k}] = '${s}' must be one of ${EMBEDDING_SOURCES.join(', ')}`);
    }
    if (s === 'text') return textEmbeddings(items, cfg);
    if (s === 'cooc') return coocEmbeddings(items.length, train, cfg);
    if (cfg.file === '') throw new Error("embeddings config: source 'file' needs 'file' (a path)");
    return loadEmbeddingFile(cfg.file, items, {
      idsFile: cfg.fileIds || undefined,
      ignoreUnknown: cfg.ignoreUnknown,
    });
  });
  return concatEmbeddings(parts);
}
