/** User-supplied item embeddings (source `file`): JSONL or safetensors files (see {@link loadEmbeddingFile}). */
import { readFileSync } from 'node:fs';
import { readTextChunks } from '../data/textfile.js';
import { textLines } from '../data/jsonutil.js';
import { loadSafetensorsSync } from '../engine/safetensors.js';
import { checkDense, makeEmbeddings, type EmbItem, type ItemEmbeddings } from './item-embeddings.js';

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
