/**
 * Saved artefacts of semantic IDs, reused across runs:
 *
 * - Item embeddings are cached in `<cacheDir>/embeddings/<key>.safetensors` (tensor `embeddings`, float32 n × dim;
 *   metadata: source, fingerprint, key). The key is a sha256 of the embedding config, the data set's fingerprint
 *   (items and splits, which `cooc` depends on) and, for the `file` source, the file's size and mtime. A cached file
 *   whose recomputed fingerprint differs from its metadata is rebuilt (and reported), never trusted.
 * - A semantic-ID index (the identifier plus what produced it) is one JSON file (`genrec index`), loaded by
 *   `loadSidIndex`, which checks it against the data set's catalogue title by title.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensorsSync, saveSafetensorsSync } from '../engine/safetensors.js';
import { writeJsonAtomicSync } from '../util/atomic.js';
import { EmbeddingConfig } from './embedding-config.js';
import { buildItemEmbeddings } from './embeddings.js';
import { embeddingFingerprint, type EmbExample, type EmbItem, type ItemEmbeddings } from './item-embeddings.js';
import { SemanticIdentifier } from './identifier.js';

export interface EmbeddingCacheOptions {
  /** Root directory of cached artefacts ('' = no cache). */
  cacheDir: string;
  /** Fingerprint of the data set the embeddings are computed from. */
  datasetFingerprint: string;
  log?: (line: string) => void;
}

function cacheKey(cfg: EmbeddingConfig, datasetFingerprint: string): string {
  const file = cfg.sources.includes('file') && cfg.file && existsSync(cfg.file) ? statSync(cfg.file) : null;
  const h = createHash('sha256');
  h.update(JSON.stringify({ cfg, datasetFingerprint, file: file ? [file.size, file.mtimeMs] : null }));
  return h.digest('hex').slice(0, 20);
}

/** buildItemEmbeddings with a disk cache (see the module comment). */
export function cachedItemEmbeddings(
  items: ReadonlyArray<EmbItem>,
  train: ReadonlyArray<EmbExample>,
  config: Partial<EmbeddingConfig>,
  opts: EmbeddingCacheOptions,
): ItemEmbeddings & { cached: boolean } {
  const cfg = EmbeddingConfig.parse(config);
  if (opts.cacheDir === '') return { ...buildItemEmbeddings(items, train, cfg), cached: false };
  const key = cacheKey(cfg, opts.datasetFingerprint);
  const dir = join(opts.cacheDir, 'embeddings');
  const file = join(dir, `${key}.safetensors`);
  if (existsSync(file)) {
    const st = loadSafetensorsSync(file);
    const t = st.tensors.embeddings;
    const meta = st.metadata ?? {};
    if (t && t.dtype === 'float32' && t.shape.length === 2 && t.shape[0] === items.length) {
      const data = Float32Array.from(t.data);
      const dim = t.shape[1];
      const fp = embeddingFingerprint(data, dim);
      if (fp === meta.fingerprint && meta.key === key) {
        return { numItems: items.length, dim, data, fingerprint: fp, source: meta.source ?? '?', cached: true };
      }
    }
    opts.log?.(`embeddings: cached ${file} does not match its fingerprint or shape: rebuilding it`);
  }
  const emb = buildItemEmbeddings(items, train, cfg);
  mkdirSync(dir, { recursive: true });
  saveSafetensorsSync(
    file,
    {
      embeddings: {
        dtype: 'float32',
        shape: [emb.numItems, emb.dim],
        data: emb.data,
      },
    },
    { source: emb.source, fingerprint: emb.fingerprint, key },
  );
  return { ...emb, cached: false };
}

export interface SidIndexFile {
  format: 'genrec-sid-index';
  version: 1;
  dataset: { name: string; fingerprint: string; items: number };
  embeddings: { source: string; fingerprint: string; config: EmbeddingConfig };
  createdAt: string;
  codeVersion: string;
  identifier: ReturnType<SemanticIdentifier['toJSON']>;
}

/** Writes a semantic-ID index file atomically. */
export function saveSidIndex(path: string, index: SidIndexFile): void {
  writeJsonAtomicSync(path, index);
}

/**
 * Loads a semantic-ID index and checks it against the catalogue: same number of items, and item i's title equal to
 * the title the index was built with (so codes cannot silently refer to other items).
 */
export function loadSidIndex(path: string, items: ReadonlyArray<{ index: number; title: string }>): SemanticIdentifier {
  if (!existsSync(path)) throw new Error(`sid index ${path}: file not found (build one with genrec index)`);
  let json: SidIndexFile;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as SidIndexFile;
  } catch (e) {
    throw new Error(`sid index ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (json?.format !== 'genrec-sid-index' || json.version !== 1) {
    throw new Error(`sid index ${path}: not a genrec-sid-index version 1 file`);
  }
  const ids = SemanticIdentifier.fromJSON(json.identifier);
  if (ids.numItems !== items.length) {
    throw new Error(`sid index ${path}: built for ${ids.numItems} items, the data set has ${items.length}`);
  }
  const titles = json.identifier.titles;
  for (const it of items) {
    if (titles[it.index] !== it.title) {
      throw new Error(
        `sid index ${path}: item ${it.index} is titled ${JSON.stringify(it.title)} in the data set but ${JSON.stringify(titles[it.index])} in the index`,
      );
    }
  }
  return ids;
}
