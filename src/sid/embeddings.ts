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
 * - `file`: user supplied (see {@link loadEmbeddingFile}).
 *
 * Every block has exactly its configured width (columns beyond the matrix rank are zero); the concatenation of
 * several blocks is L2-normalised again. Deterministic given `seed`; `fingerprint` is sha256 of (dim, float32 bytes).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readTextChunks } from '../data/textfile.js';
import { textLines } from '../data/jsonutil.js';
import { loadSafetensorsSync } from '../engine/safetensors.js';
import { bool, defineConfig, int, num, str, strList, type ConfigOf } from '../util/config.js';
import { csrFromRows, randomizedSvd } from './linalg.js';

/** One embedding per item (row i = item with dense index i). */
export interface ItemEmbeddings {
  readonly numItems: number;
  readonly dim: number;
  /** numItems × dim, row-major. */
  readonly data: Float32Array;
  /** sha256 (hex, first 16 chars) over dim (uint32 LE) and the float32 bytes. */
  readonly fingerprint: string;
  /** What produced it, e.g. `text(dim=64)+cooc(dim=64)`. */
  readonly source: string;
}

/** Minimal item shape: dense index, raw id, title, optional genres. */
export interface EmbItem {
  readonly index: number;
  readonly rawId: string;
  readonly title: string;
  readonly genres?: readonly string[];
}

/** Minimal training example shape (dense item indices). */
export interface EmbExample {
  readonly history: readonly number[];
  readonly target: number;
}

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

/** sha256 of (dim as uint32 LE, then the float32 bytes), hex, first 16 characters. */
export function embeddingFingerprint(data: Float32Array, dim: number): string {
  const h = createHash('sha256');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(dim >>> 0);
  h.update(head);
  h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return h.digest('hex').slice(0, 16);
}

function makeEmbeddings(data: Float32Array, numItems: number, dim: number, source: string): ItemEmbeddings {
  if (data.length !== numItems * dim) throw new Error(`embeddings: ${data.length} values for ${numItems} × ${dim}`);
  return Object.freeze({ numItems, dim, data, fingerprint: embeddingFingerprint(data, dim), source });
}

/** L2-normalises each row in place (zero rows stay zero). */
export function normalizeRows(data: Float32Array | Float64Array, dim: number): void {
  for (let o = 0; o < data.length; o += dim) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += data[o + c] * data[o + c];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let c = 0; c < dim; c++) data[o + c] *= inv;
    }
  }
}

function checkDense<T extends { index: number }>(items: ReadonlyArray<T>): T[] {
  const out = new Array<T>(items.length);
  items.forEach((it, pos) => {
    if (!Number.isInteger(it.index) || it.index < 0 || it.index >= items.length || out[it.index] !== undefined) {
      throw new Error(`embeddings: items[${pos}].index = ${String(it.index)} is not a unique dense index`);
    }
    out[it.index] = it;
  });
  return out;
}

/** Lower-cased NFKC words (letter / digit runs). */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Character 3-grams of each word wrapped in boundary marks (`<ab>` → `<ab`, `ab>`), fastText style. */
export function charTrigrams(ws: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of ws) {
    const chars = Array.from(`<${w}>`);
    for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
  }
  return out;
}

/**
 * The TF-IDF matrix of the text features: sublinear tf (1 + ln tf), smooth idf ln((1+n)/(1+df)) + 1, each block
 * (words, 3-grams, genres) L2-normalised then scaled by its weight. Features with df < minDf are dropped.
 */
export function tfidfMatrix(
  items: ReadonlyArray<EmbItem>,
  opts: { minDf: number; charWeight: number; genreWeight: number },
): { rows: Map<number, number>[]; numFeatures: number } {
  const dense = checkDense(items);
  const n = dense.length;
  const blocks = dense.map((it) => [
    words(it.title).map((w) => 'w:' + w),
    charTrigrams(words(it.title)).map((g) => 'c:' + g),
    (it.genres ?? []).map((g) => 'g:' + g.normalize('NFKC').toLowerCase().trim()),
  ]);
  const df = new Map<string, number>();
  for (const bl of blocks) for (const f of new Set(bl.flat())) df.set(f, (df.get(f) ?? 0) + 1);
  const featId = new Map<string, number>();
  for (const [f, c] of [...df].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (c >= opts.minDf) featId.set(f, featId.size);
  }
  const weights = [1, opts.charWeight, opts.genreWeight];
  const rows = blocks.map((bl) => {
    const row = new Map<number, number>();
    bl.forEach((feats, b) => {
      const tf = new Map<string, number>();
      for (const f of feats) if (featId.has(f)) tf.set(f, (tf.get(f) ?? 0) + 1);
      let ss = 0;
      const vals = new Map<number, number>();
      for (const [f, c] of tf) {
        const v = (1 + Math.log(c)) * (Math.log((1 + n) / (1 + (df.get(f) as number))) + 1);
        vals.set(featId.get(f) as number, v);
        ss += v * v;
      }
      if (ss === 0 || weights[b] === 0) return;
      const scale = weights[b] / Math.sqrt(ss);
      for (const [id, v] of vals) row.set(id, v * scale);
    });
    return row;
  });
  return { rows, numFeatures: featId.size };
}

function svdBlock(
  rows: Map<number, number>[],
  cols: number,
  dim: number,
  cfg: { oversample: number; powerIters: number; seed: number },
  sigmaPower: number,
): Float32Array {
  const n = rows.length;
  const svd = randomizedSvd(csrFromRows(rows, cols), dim, cfg.oversample, cfg.powerIters, cfg.seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < svd.k; j++) out[i * dim + j] = svd.u[i * svd.k + j] * Math.pow(svd.sigma[j], sigmaPower);
  }
  normalizeRows(out, dim);
  return out;
}

/** Text embeddings: TF-IDF of title words + character 3-grams (+ genres) → truncated SVD (U·Σ) → L2 rows. */
export function textEmbeddings(items: ReadonlyArray<EmbItem>, config: Partial<EmbeddingConfig> = {}): ItemEmbeddings {
  const cfg = EmbeddingConfig.parse(config);
  const { rows, numFeatures } = tfidfMatrix(items, cfg);
  const data = svdBlock(rows, numFeatures, cfg.dim, cfg, 1);
  return makeEmbeddings(data, items.length, cfg.dim, `text(dim=${cfg.dim},features=${numFeatures})`);
}

/** PPMI matrix of item co-occurrence (see the module comment); rows are items. */
export function ppmiMatrix(
  numItems: number,
  examples: ReadonlyArray<EmbExample>,
  window: number,
  alpha: number,
): Map<number, number>[] {
  const counts = Array.from({ length: numItems }, () => new Map<number, number>());
  const check = (v: number, where: string): void => {
    if (!Number.isInteger(v) || v < 0 || v >= numItems) throw new Error(`embeddings: ${where} = ${v} not an item`);
  };
  examples.forEach((ex, e) => {
    check(ex.target, `examples[${e}].target`);
    const h = ex.history;
    for (let k = Math.max(0, h.length - window); k < h.length; k++) {
      check(h[k], `examples[${e}].history[${k}]`);
      if (h[k] === ex.target) continue;
      counts[ex.target].set(h[k], (counts[ex.target].get(h[k]) ?? 0) + 1);
      counts[h[k]].set(ex.target, (counts[h[k]].get(ex.target) ?? 0) + 1);
    }
  });
  const rowSum = counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const total = rowSum.reduce((a, b) => a + b, 0);
  const ctx = rowSum.map((c) => Math.pow(c, alpha));
  const ctxTotal = ctx.reduce((a, b) => a + b, 0);
  return counts.map((m, i) => {
    const row = new Map<number, number>();
    for (const [j, c] of m) {
      const pmi = Math.log(c / total / ((rowSum[i] / total) * (ctx[j] / ctxTotal)));
      if (pmi > 0) row.set(j, pmi);
    }
    return row;
  });
}

/** Collaborative embeddings: PPMI of training co-occurrence → truncated SVD (U·Σ^½) → L2 rows. */
export function coocEmbeddings(
  numItems: number,
  examples: ReadonlyArray<EmbExample>,
  config: Partial<EmbeddingConfig> = {},
): ItemEmbeddings {
  const cfg = EmbeddingConfig.parse(config);
  const rows = ppmiMatrix(numItems, examples, cfg.coocWindow, cfg.ppmiAlpha);
  const data = svdBlock(rows, numItems, cfg.dim, cfg, 0.5);
  return makeEmbeddings(data, numItems, cfg.dim, `cooc(dim=${cfg.dim})`);
}

function fileError(file: string, line: number | undefined, msg: string): Error {
  return new Error(`embeddings: ${file}${line === undefined ? '' : `:${line}`}: ${msg}`);
}

/**
 * Loads user-supplied embeddings and orders them by the catalog's dense index.
 *
 * - `.jsonl`: one `{"item": "<rawId>", "embedding": [numbers]}` per non-blank line; all rows the same length.
 * - `.safetensors`: exactly one 2-D float32/float64 tensor [rows, d]; the rawId of each row comes from `idsFile`
 *   (a JSON array of strings) or else from the file's metadata key `raw_ids` (a JSON array string).
 *
 * Every catalog item must appear exactly once; values must be finite. Rows whose rawId is not in the catalog are an
 * error unless `ignoreUnknown`. Errors name the file and line (JSONL) or the tensor / ids file. Rows are used as
 * given (not normalised).
 */
export function loadEmbeddingFile(
  file: string,
  items: ReadonlyArray<EmbItem>,
  opts: { idsFile?: string; ignoreUnknown?: boolean } = {},
): ItemEmbeddings {
  const dense = checkDense(items);
  const byRaw = new Map<string, number>(dense.map((it) => [it.rawId, it.index]));
  const n = dense.length;
  const seenLine = new Int32Array(n).fill(-1);
  let dim = -1;
  let data = new Float32Array(0);
  const put = (raw: string, vec: ArrayLike<number>, line: number | undefined, where: string): void => {
    const idx = byRaw.get(raw);
    if (idx === undefined) {
      if (opts.ignoreUnknown) return;
      throw fileError(file, line, `${where}item ${JSON.stringify(raw)} is not in the catalog`);
    }
    if (seenLine[idx] !== -1) {
      throw fileError(file, line, `${where}item ${JSON.stringify(raw)} appears twice (first at ${seenLine[idx]})`);
    }
    seenLine[idx] = line ?? 0;
    for (let c = 0; c < dim; c++) {
      const v = vec[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw fileError(file, line, `${where}embedding[${c}] must be a finite number, got ${JSON.stringify(v)}`);
      }
      data[idx * dim + c] = v;
    }
  };
  if (file.endsWith('.jsonl')) {
    // streamed, with invalid UTF-8 an error rather than U+FFFD (two ids could merge)
    for (const { line, text: ln } of textLines(readTextChunks(file))) {
      if (ln.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(ln);
      } catch (e) {
        throw fileError(file, line, `invalid JSON (${(e as Error).message})`);
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw fileError(file, line, 'not an object');
      const o = obj as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (k !== 'item' && k !== 'embedding') throw fileError(file, line, `unknown field '${k}'`);
      }
      // a number id must be a safe integer: beyond 2^53 two ids could round to one (give such ids as strings)
      const raw = typeof o.item === 'number' && Number.isSafeInteger(o.item) ? String(o.item) : o.item;
      if (typeof raw !== 'string')
        throw fileError(
          file,
          line,
          `field 'item' must be a string rawId or a safe integer, got ${JSON.stringify(o.item) ?? String(o.item)}`,
        );
      if (!Array.isArray(o.embedding) || o.embedding.length === 0) {
        throw fileError(file, line, `field 'embedding' must be a non-empty array of numbers`);
      }
      if (dim === -1) {
        dim = o.embedding.length;
        data = new Float32Array(n * dim);
      } else if (o.embedding.length !== dim) {
        throw fileError(file, line, `field 'embedding' has ${o.embedding.length} values, earlier rows have ${dim}`);
      }
      put(raw, o.embedding as unknown[] as number[], line, '');
    }
  } else if (file.endsWith('.safetensors')) {
    const st = loadSafetensorsSync(file);
    const names = Object.keys(st.tensors);
    if (names.length !== 1) throw fileError(file, undefined, `expected exactly one tensor, found ${names.length}`);
    const t = st.tensors[names[0]];
    if ((t.dtype !== 'float32' && t.dtype !== 'float64') || t.shape.length !== 2) {
      throw fileError(file, undefined, `tensor '${names[0]}' must be a 2-D float tensor, got ${t.dtype} [${t.shape}]`);
    }
    let ids: unknown;
    const idsSrc = opts.idsFile ? opts.idsFile : `${file} metadata 'raw_ids'`;
    try {
      if (opts.idsFile) ids = JSON.parse(readFileSync(opts.idsFile, 'utf8'));
      else if (st.metadata.raw_ids !== undefined) ids = JSON.parse(st.metadata.raw_ids);
      else throw new Error("no ids file given and no metadata key 'raw_ids'");
    } catch (e) {
      throw fileError(file, undefined, `row ids (${idsSrc}): ${(e as Error).message}`);
    }
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) {
      throw fileError(file, undefined, `row ids (${idsSrc}) must be a JSON array of strings`);
    }
    const [rows, d] = t.shape;
    if (ids.length !== rows) {
      throw fileError(file, undefined, `tensor '${names[0]}' has ${rows} rows but ${idsSrc} lists ${ids.length} ids`);
    }
    dim = d;
    data = new Float32Array(n * dim);
    (ids as string[]).forEach((raw, r) => put(raw, t.data.subarray(r * d, (r + 1) * d), undefined, `row ${r}: `));
  } else {
    throw fileError(file, undefined, 'unsupported extension (expected .jsonl or .safetensors)');
  }
  if (dim <= 0) throw fileError(file, undefined, 'no embeddings found');
  const missing = dense.filter((it) => seenLine[it.index] === -1).map((it) => it.rawId);
  if (missing.length > 0) {
    throw fileError(
      file,
      undefined,
      `${missing.length} catalog item(s) have no embedding, e.g. ${missing
        .slice(0, 5)
        .map((m) => JSON.stringify(m))
        .join(', ')}`,
    );
  }
  return makeEmbeddings(data, n, dim, `file(${file},dim=${dim})`);
}

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
