// Semantic reward (V-STAR §4.1, eqs. 6-8; MiniOneRec's "semantic" reward): the cosine between a candidate's item
// embedding and the target's, so a near miss earns more than a distant one. Forms:
//
//   'cosine'        r = cos(e(c), e(t))                          in [−1, 1]
//   'vstar-return'  r = 1 if c = t, else −(1 − cos(e(c), e(t)))  V-STAR eq. 8 at a full item (w = 1, bucket = {c})
//
// With several targets the best-matching one counts (max cosine); with none, 0. A zero embedding has cosine 0.
import { defineConfig, oneOf } from '../util/config.js';
import { checkItem, type EmbeddingMatrix, type ItemSideInfo } from './side-info.js';
import { defineReward } from './types.js';

const SemanticConfig = defineConfig('semantic', {
  form: oneOf(['cosine', 'vstar-return'], {
    default: 'cosine',
    doc: "'cosine': cos(e(candidate), e(target)); 'vstar-return': 1 on an exact hit, else −(1 − cos).",
    paper: 'V-STAR eq. 8 (dense return, here at item level with w = 1); MiniOneRec semantic reward (cosine)',
  }),
});

/** Cosine similarity of rows `a` and `b` of `emb` (0 when either row is zero). */
export function cosine(emb: EmbeddingMatrix, a: number, b: number): number {
  const { dim, data } = emb;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let c = 0; c < dim; c++) {
    const x = data[a * dim + c];
    const y = data[b * dim + c];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** The semantic reward of every candidate of `group` (see the module doc); `side` must have embeddings. */
export function semanticRewards(
  group: readonly number[],
  targets: readonly number[],
  side: ItemSideInfo,
  form: 'cosine' | 'vstar-return' = 'cosine',
): number[] {
  const emb = side.embeddings;
  if (emb === undefined) throw new Error(`semantic reward: data set ${side.dataset} has no item embeddings`);
  for (const i of [...group, ...targets]) checkItem(side, i);
  const t = [...new Set(targets)];
  return group.map((c) => {
    if (t.length === 0) return 0;
    if (form === 'vstar-return' && t.includes(c)) return 1;
    const best = Math.max(...t.map((x) => cosine(emb, c, x)));
    return form === 'cosine' ? best : -(1 - best);
  });
}

export const SEMANTIC = defineReward({
  config: SemanticConfig,
  doc: "Cosine of each candidate's item embedding to the target's (or V-STAR's dense return).",
  paper: 'V-STAR §4.1 eq. 8 (semantic-aware dense supervision)',
  higherIsBetter: true,
  needs: ['embeddings'],
  scope: 'candidates',
  create: (cfg, side) => (input) => semanticRewards(input.list, input.targets, side, cfg.form),
});
