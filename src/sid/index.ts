// Semantic IDs: item embeddings → residual quantisation (k-means or RQ-VAE) → collision-free codes → identifier.
export * from './embeddings.js';
export * from './embedding-config.js';
export {
  embeddingFingerprint,
  normalizeRows,
  type ItemEmbeddings,
  type EmbItem,
  type EmbExample,
} from './item-embeddings.js';
export * from './text-embeddings.js';
export * from './cooc-embeddings.js';
export * from './embedding-file.js';
export * from './kmeans.js';
export * from './rqvae.js';
export * from './codes.js';
export * from './identifier.js';
export * from './build.js';
export * from './cache.js';
