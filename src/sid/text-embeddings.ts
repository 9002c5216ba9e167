/**
 * Text embeddings (source `text`): TF-IDF over the words and the character 3-grams of each item's title (plus its
 * genres, if any), reduced by a randomized truncated SVD to `dim` columns (item vector = U·Σ, i.e. LSA), rows
 * L2-normalised. No downloaded model. Word, 3-gram and genre blocks are each L2-normalised before weighting, so the
 * ~10× more numerous 3-grams do not drown the words. Deterministic given `seed`.
 */
import { EmbeddingConfig } from './embedding-config.js';
import { checkDense, makeEmbeddings, svdBlock, type EmbItem, type ItemEmbeddings } from './item-embeddings.js';

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

/** Text embeddings: TF-IDF of title words + character 3-grams (+ genres) → truncated SVD (U·Σ) → L2 rows. */
export function textEmbeddings(items: ReadonlyArray<EmbItem>, config: Partial<EmbeddingConfig> = {}): ItemEmbeddings {
  const cfg = EmbeddingConfig.parse(config);
  const { rows, numFeatures } = tfidfMatrix(items, cfg);
  const data = svdBlock(rows, numFeatures, cfg.dim, cfg, 1);
  return makeEmbeddings(data, items.length, cfg.dim, `text(dim=${cfg.dim},features=${numFeatures})`);
}
