// The value head's one-step TD training on V-STAR's dense semantic returns (vstar.md §4.1, eq. 6–9), as an
// auxiliary loss of the GRPO trainer (GrpoAuxiliary): on each batch of candidate groups, the returns r_ℓ of every
// candidate's prefixes (bucket-mean item embeddings vs the target's, level weights w_ℓ) and the regression of
// V(s_ℓ) on ỹ_ℓ = r_ℓ + γ·V(s_ℓ+1) (semi-gradient: the target is not differentiated), r_L at the leaf.
//
// Depths: ℓ = 1..L are the semantic levels (L = the identifier's `levels`). An item whose semantic ID collides with
// another's has one disambiguation token after level L, so its leaf (the node whose only continuation is the end
// token, VED's leaf) is at depth L + 1. There the chain gets reward 0 at depth L and, at the leaf, level L's return
// computed on the item alone (bucket = {item}). Without collisions this is exactly eq. 9.
import type { Example } from '../../data/types.js';
import { cat, noGrad, tensor, zeros, type Tensor } from '../../engine/index.js';
import type { GenRecModel } from '../../model/genrec.js';
import { responseBatch } from '../../model/responses.js';
import type { ValueHead } from '../../model/value-head.js';
import type { EmbeddingMatrix } from '../../rewards/side-info.js';
import { denseReturns, levelWeights } from '../../train/rl/dense-returns.js';
import { cosine } from '../../rewards/semantic.js';
import type { GrpoAuxiliary, Rollouts } from '../../train/rl/grpo-task.js';

export interface ValueTdOptions {
  policy: GenRecModel;
  head: ValueHead;
  embeddings: EmbeddingMatrix;
  /** Semantic levels L. */
  levels: number;
  gamma: number;
  /** Weight of the TD loss in the total loss. */
  coef: number;
}

function rowOf(emb: EmbeddingMatrix, i: number): Float32Array | Float64Array {
  return emb.data.subarray(i * emb.dim, (i + 1) * emb.dim);
}

export function valueTdAuxiliary(o: ValueTdOptions): GrpoAuxiliary<Example> & { tdInputs(): TdInputs | null } {
  let cur: TdInputs | null = null;
  const L = o.levels;
  const w = levelWeights(L);
  return {
    name: 'value-td',
    tdInputs: () => cur,
    prepare(prompts: readonly Example[], ro: Rollouts) {
      const G = ro.groupSize;
      const R = ro.items.length;
      const W = ro.rows.width;
      const histories = prompts.flatMap((p) => Array.from({ length: G }, () => p.history));
      const rb = responseBatch(o.policy.ids, ro.rows);
      const hidden = noGrad(() =>
        o.policy.forwardTrainHidden(o.policy.encodeHistories(histories), rb.targetIn).hidden.toFloat32(),
      );
      const rew = new Float32Array(R * W);
      const cont = new Float32Array(R * W);
      const mask = new Float32Array(R * W);
      const trie = o.policy.ids.trie;
      prompts.forEach((p, pi) => {
        const items = ro.items.slice(pi * G, (pi + 1) * G).map((l) => l[0]);
        const codes = items.map((i) => Array.from(trie.codeOf(i).subarray(0, L)));
        const target = Array.from(trie.codeOf(p.target).subarray(0, L));
        const te = rowOf(o.embeddings, p.target);
        const r = denseReturns(
          codes,
          items.map((i) => rowOf(o.embeddings, i)),
          target,
          te,
          w,
        );
        items.forEach((item, g) => {
          const row = pi * G + g;
          const leaf = ro.rows.lengths[row] - 1; // the last token is the end token
          for (let t = 1; t <= leaf && t < W; t++) {
            mask[row * W + t] = 1;
            cont[row * W + t] = t < leaf ? 1 : 0;
            if (t < L) rew[row * W + t] = r[g][t - 1];
            else if (t === leaf)
              rew[row * W + t] =
                leaf === L
                  ? r[g][L - 1]
                  : item === p.target
                    ? w[L - 1]
                    : -w[L - 1] * (1 - cosine(o.embeddings, item, p.target));
          }
        });
      });
      cur = { R, W, hidden, rew, cont, mask };
    },
    loss() {
      if (cur === null) throw new Error('value-td: loss before prepare');
      const out = tdLoss(o.head, cur, o.gamma);
      return { loss: out.loss.mul(o.coef), logs: { valueLoss: out.value } };
    },
  };
}

/** The prepared TD batch: hidden states [R, W, d] (position t = after t tokens) and per-position r, continue, mask. */
export interface TdInputs {
  R: number;
  W: number;
  hidden: Float32Array;
  rew: Float32Array;
  cont: Float32Array;
  mask: Float32Array;
}

/** Mean squared TD error over the masked positions (eq. 9), differentiable w.r.t. the head. */
export function tdLoss(head: ValueHead, x: TdInputs, gamma: number): { loss: Tensor; value: number } {
  const { R, W } = x;
  const d = x.hidden.length / (R * W);
  const dtype = head.cfg.dtype ?? 'float32';
  const v = head.forward(tensor(x.hidden, [R, W, d], 'float32').to(dtype)); // [R, W]
  const next = cat([v.detach().slice(1, 1, W), zeros([R, 1], dtype)], 1);
  const t = (a: Float32Array): Tensor => tensor(a, [R, W], 'float32').to(dtype);
  const y = t(x.rew).add(t(x.cont).mul(next).mul(gamma));
  const m = t(x.mask);
  const loss = v.sub(y).square().mul(m).sum().div(m.sum().clamp(1));
  return { loss, value: noGrad(() => loss.item()) };
}
