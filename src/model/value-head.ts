// V-STAR's value model (/work/shared/papers/vstar.md §4.1): a lightweight head on the policy's prefix hidden states,
// one shallow transformer block over the path's hidden states (root, then one per decoded token; causal) followed by
// an MLP regressor, so V(s_ℓ) reads the states s_0..s_ℓ of its own path. The backbone's hidden states come in
// detached (the head learns on top of the policy; its TD loss does not move the policy), so querying V during
// decoding costs one small block over at most a few positions.
import { arange, noGrad, tensor, tidy, type DType, type Tensor } from '../engine/index.js';
import { LayerNorm, Linear, Module } from '../engine/index.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../engine/checkpoint.js';
import type { PrefixNode, PrefixValue } from '../decode/ved.js';
import { Block } from './transformer.js';

export interface ValueHeadConfig {
  dModel: number;
  nHeads: number;
  /** Width of the block's feed-forward layer and of the MLP's hidden layer. */
  dFF: number;
  dtype?: DType;
}

export class ValueHead extends Module {
  readonly block: Block;
  readonly ln: LayerNorm;
  readonly fc: Linear;
  readonly out: Linear;
  constructor(readonly cfg: ValueHeadConfig) {
    super();
    const dtype = cfg.dtype ?? 'float32';
    this.block = this.child(
      'block',
      new Block({
        vocabSize: 1,
        dModel: cfg.dModel,
        nHeads: cfg.nHeads,
        nLayers: 1,
        dFF: cfg.dFF,
        maxPositions: 1,
        dropout: 0,
        dtype,
      }),
    );
    this.ln = this.child('ln', new LayerNorm(cfg.dModel, 1e-5, dtype));
    this.fc = this.child('fc', new Linear(cfg.dModel, cfg.dFF, { dtype }));
    this.out = this.child('out', new Linear(cfg.dFF, 1, { dtype }));
  }

  /** Prefix hidden states [N, T, d] (position t = the state after t tokens) → V of every prefix, [N, T]. */
  forward(h: Tensor): Tensor {
    const [, t, d] = h.shape;
    if (h.ndim !== 3 || d !== this.cfg.dModel)
      throw new Error(`ValueHead: expected hidden states [N, T, ${this.cfg.dModel}], got [${h.shape.join(', ')}]`);
    const pos = arange(t);
    const bias = pos.unsqueeze(0).gt(pos.unsqueeze(1)).to(h.dtype).mul(-1e9).unsqueeze(0).unsqueeze(0); // [1,1,T,T]
    const x = this.block.forward(h, t > 1 ? bias : null).x;
    return this.out.forward(this.fc.forward(this.ln.forward(x)).gelu('tanh')).squeeze(-1);
  }
}

/** A ValueHead as VED's value function: V of each node from its path's hidden states (no gradient). */
export function headValue(head: ValueHead): PrefixValue {
  return {
    needsHidden: true,
    values(nodes: readonly PrefixNode[]): Float64Array {
      const out = new Float64Array(nodes.length);
      const byLen = new Map<number, number[]>();
      nodes.forEach((n, i) => {
        const h = n.hiddens;
        if (h === null)
          throw new Error('headValue: VED gave no hidden states (create the step model with { hidden: true })');
        let l = byLen.get(h.length);
        if (!l) byLen.set(h.length, (l = []));
        l.push(i);
      });
      const d = head.cfg.dModel;
      for (const [T, idx] of byLen) {
        const buf = new Float32Array(idx.length * T * d);
        idx.forEach((i, r) => nodes[i].hiddens!.forEach((h, t) => buf.set(h, (r * T + t) * d)));
        const v = tidy(() =>
          noGrad(() =>
            head
              .forward(tensor(buf, [idx.length, T, d], 'float32'))
              .select(1, T - 1)
              .toFloat64(),
          ),
        );
        idx.forEach((i, r) => (out[i] = v[r]));
      }
      return out;
    },
  };
}

/** The value head's file beside a run's model.safetensors (written by V-STAR training, read by `--decoder ved`). */
export const VALUE_HEAD_FILE = 'value-head.safetensors';

/** Saves `head` (weights and its config) to `path`, atomically. */
export function saveValueHead(path: string, head: ValueHead): void {
  const { dtype: _dtype, ...cfg } = head.cfg;
  saveCheckpoint(path, { model: head, meta: { kind: 'genrec-value-head', config: cfg } });
}

/** Loads a value head saved by {@link saveValueHead}. */
export function loadValueHead(path: string): ValueHead {
  const ck = readCheckpoint(path);
  const cfg = ck.meta.config as ValueHeadConfig | undefined;
  if (ck.meta.kind !== 'genrec-value-head' || cfg === undefined)
    throw new Error(`${path}: not a genrec value head (meta.kind ${JSON.stringify(ck.meta.kind)})`);
  const head = new ValueHead(cfg);
  restoreCheckpoint(ck, { model: head });
  head.eval();
  return head;
}
