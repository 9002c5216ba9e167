// Sibling-GRPO's node advantages (V-STAR §4.3, /work/shared/papers/vstar.md eq. 15–19) for one group C(x) of
// candidates, as per-token weights for grpoLoss:
//
//   G(h) = candidates whose first ℓ−1 tokens are h                                   (eq. 15, the sibling group)
//   S(h) = the distinct ℓ-th tokens v among them                                     (eq. 16, the sibling nodes)
//   R̄(h, v) = mean reward of the candidates routed through child v                  (eq. 17)
//   A_node(h, v) = (R̄(h, v) − μ_h) / (σ_h + ε), μ_h, σ_h over {R̄(h, v)}_{v ∈ S(h)}  (eq. 18)
//   J_sib = (1/|C|) Σ_ℓ Σ_h Σ_{v ∈ S(h)} A_node(h, v) · ρ(v | x, h)                   (eq. 19)
//
// Eq. 19 counts each sibling NODE once, while a batch holds one row per candidate, and |G(h, v)| rows share the
// token v after h (with the same ratio ρ). So the weight put on the token of candidate i at depth ℓ is
// A_node(h, v) / |G(h, v)|: summed over the rows of a node it gives the node's A_node once. A parent with a single
// child in the group has σ_h = 0 and gives 0 (no sibling to compare with), as do equal node means. σ_h follows the
// group advantages' convention (AdvantageConfig.std, sample by default; ε = AdvantageConfig.eps).
import type { AdvantageConfig } from './advantages.js';

/**
 * Per candidate, the weight of each of its tokens (index ℓ − 1 = depth ℓ): A_node / |G(h, v)| (see the module
 * comment). `paths[i]` are candidate i's tokens (any lengths; a prefix is compared token by token).
 */
export function siblingAdvantages(
  paths: readonly (readonly number[])[],
  rewards: readonly number[],
  cfg: Pick<AdvantageConfig, 'std' | 'eps'>,
): Float64Array[] {
  if (paths.length !== rewards.length)
    throw new Error(`siblingAdvantages: ${paths.length} candidates but ${rewards.length} rewards`);
  for (const r of rewards) if (!Number.isFinite(r)) throw new Error('siblingAdvantages: rewards must be finite');
  const out = paths.map((p) => new Float64Array(p.length));
  const depth = Math.max(0, ...paths.map((p) => p.length));
  for (let l = 1; l <= depth; l++) {
    // parent prefix h (first l − 1 tokens) → child token v → members
    const parents = new Map<string, Map<number, number[]>>();
    paths.forEach((p, i) => {
      if (p.length < l) return;
      const h = p.slice(0, l - 1).join(',');
      let kids = parents.get(h);
      if (!kids) parents.set(h, (kids = new Map()));
      const v = p[l - 1];
      let m = kids.get(v);
      if (!m) kids.set(v, (m = []));
      m.push(i);
    });
    for (const kids of parents.values()) {
      const n = kids.size;
      if (n < 2) continue;
      const groups = [...kids.values()];
      const means = groups.map((m) => m.reduce((a, i) => a + rewards[i], 0) / m.length);
      const shift = means[0]; // exact zeros for equal means (as groupAdvantages)
      const centred = means.map((x) => x - shift);
      const mu = centred.reduce((a, b) => a + b, 0) / n;
      const dev = centred.map((x) => x - mu);
      const sigma = Math.sqrt(dev.reduce((a, b) => a + b * b, 0) / (cfg.std === 'sample' ? n - 1 : n));
      if (!(sigma > 0)) continue;
      groups.forEach((m, k) => {
        const a = dev[k] / (sigma + cfg.eps) / m.length;
        for (const i of m) out[i][l - 1] = a;
      });
    }
  }
  return out;
}
