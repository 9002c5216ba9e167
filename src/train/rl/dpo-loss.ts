// Preference losses over SEQUENCE log-probabilities (the sum of a response's token log-probs), the DPO-family
// baselines of BLADE §4.1.2 (/work/shared/papers/blade.md). With h(y) = log π_θ(y|x) − log π_ref(y|x) (the
// implicit reward up to β; π_ref constant, detached here) and σ the logistic function:
//
// DPO (Rafailov et al. 2023), a chosen y_w and a rejected y_l per context, mean over the B pairs:
//   L_DPO = −log σ( β (h(y_w) − h(y_l)) )
//
// S-DPO (Chen et al. 2024, BLADE [10]), one chosen y_w and K rejected y_l,k per context (BLADE: K = 3):
//   L_S-DPO = −log σ( −log Σ_k exp( β (h(y_l,k) − h(y_w)) ) ) = log(1 + Σ_k exp(β (h(y_l,k) − h(y_w))))
//   With K = 1 it is L_DPO.
//
// List-DPO (BLADE [27]: "sample candidate list pairs and optimise them via DPO based on relative rewards"), as
// defined here: each context has G sampled lists y_1..y_G with list rewards R_1..R_G (e.g. NDCG of the list).
// Every ordered pair (i, j) of lists of the same context with R_i > R_j is a preference pair (i chosen); lists of
// equal reward form no pair (a context whose G rewards are all equal contributes nothing). The loss is DPO's,
// averaged over all pairs of the batch, i.e. the mean over the pair data set of the standard RLHF protocol:
//   L_List-DPO = (1/|𝒫|) Σ_{(p,i,j) ∈ 𝒫} −log σ( β (h(y_{p,i}) − h(y_{p,j})) ),   𝒫 = {(p,i,j) : R_{p,i} > R_{p,j}}
// (0 when 𝒫 is empty). Best-vs-worst pairing, the other common protocol, is dpoLoss on those two rows.
import { tidy, type Tensor } from '../../engine/index.js';
import { defineConfig, num, type ConfigOf } from '../../util/config.js';

export const DpoConfig = defineConfig('dpo', {
  beta: num({
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    doc: 'β of DPO, S-DPO and List-DPO: the scale of the implicit reward β·(log π_θ − log π_ref) (the KL penalty weight).',
    paper: 'BLADE §4.1.4: "For DPO training, the KL penalty β is set to 0.1" (S-DPO uses 3 negatives)',
  }),
});
export type DpoConfig = ConfigOf<typeof DpoConfig>;

/** Sequence log-probs of B (chosen, rejected) pairs under the policy (differentiable) and the reference. */
export interface DpoInput {
  /** [B] log π_θ(y_w | x). */
  policyChosen: Tensor;
  /** [B] log π_θ(y_l | x); [B, K] for S-DPO's K rejected responses. */
  policyRejected: Tensor;
  /** [B] log π_ref(y_w | x). */
  refChosen: Tensor;
  /** Like `policyRejected`, under π_ref. */
  refRejected: Tensor;
}

/** G sampled lists per context: sequence log-probs and list rewards, all [P, G]. */
export interface ListDpoInput {
  /** [P, G] log π_θ(y_{p,g} | x_p) (differentiable). */
  policy: Tensor;
  /** [P, G] log π_ref(y_{p,g} | x_p). */
  ref: Tensor;
  /** [P, G] list rewards (only their order within a context matters). */
  rewards: Tensor;
}

/** Checks that every tensor of `parts` is float32/float64 of the shape of `like` (which must have `ndim` dims). */
function checkShapes(where: string, ndim: number, like: Tensor, parts: Record<string, Tensor>): void {
  const text = (t: Tensor): string => `[${t.shape.join(', ')}] ${t.dtype}`;
  for (const [name, t] of Object.entries(parts)) {
    const ok = t.ndim === ndim && like.ndim === ndim && t.shape.every((s, i) => s === like.shape[i]);
    if (!ok || (t.dtype !== 'float32' && t.dtype !== 'float64'))
      throw new Error(`${where}: ${name} must be ${ndim}-d float of one shape, got ${text(t)} (first: ${text(like)})`);
  }
}

/** h = log π_θ − log π_ref with π_ref detached. */
function implicitReward(policy: Tensor, ref: Tensor): Tensor {
  return policy.sub(ref.detach());
}

/** L_DPO, mean over the B pairs (scalar). */
export function dpoLoss(input: DpoInput, cfg: DpoConfig = DpoConfig.defaults()): Tensor {
  checkShapes('dpoLoss', 1, input.policyChosen, { ...input });
  return tidy(() => {
    const hw = implicitReward(input.policyChosen, input.refChosen);
    const hl = implicitReward(input.policyRejected, input.refRejected);
    return hw.sub(hl).mul(cfg.beta).logSigmoid().neg().mean();
  });
}

/** L_S-DPO with `policyRejected` / `refRejected` of shape [B, K], mean over the B contexts (scalar). */
export function sdpoLoss(input: DpoInput, cfg: DpoConfig = DpoConfig.defaults()): Tensor {
  const { policyChosen, refChosen, policyRejected, refRejected } = input;
  checkShapes('sdpoLoss', 1, policyChosen, { policyChosen, refChosen });
  checkShapes('sdpoLoss', 2, policyRejected, { policyRejected, refRejected });
  if (policyRejected.shape[0] !== policyChosen.shape[0] || policyRejected.shape[1] < 1)
    throw new Error(
      `sdpoLoss: rejected must be [B, K ≥ 1] with B = ${policyChosen.shape[0]}, got [${policyRejected.shape.join(', ')}]`,
    );
  return tidy(() => {
    const hw = implicitReward(policyChosen, refChosen);
    const hl = implicitReward(policyRejected, refRejected);
    const lse = hl.sub(hw.unsqueeze(1)).mul(cfg.beta).logsumexp(1);
    return lse.neg().logSigmoid().neg().mean();
  });
}

/** L_List-DPO over all reward-ordered pairs of lists within each context (scalar; 0 without any pair). */
export function listDpoLoss(input: ListDpoInput, cfg: DpoConfig = DpoConfig.defaults()): Tensor {
  checkShapes('listDpoLoss', 2, input.policy, { ...input });
  return tidy(() => {
    const h = implicitReward(input.policy, input.ref);
    const r = input.rewards.detach();
    const pair = r.unsqueeze(2).gt(r.unsqueeze(1)); // [P, G, G]: pair (i, j) where R_i > R_j
    const margin = h.unsqueeze(2).sub(h.unsqueeze(1)).mul(cfg.beta); // β (h_i − h_j)
    const perPair = pair.where(margin.logSigmoid().neg(), 0);
    return perPair.sum().div(pair.to(h.dtype).sum().clamp(1));
  });
}
