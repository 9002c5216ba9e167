// A decoder-only transformer (GPT-style, pre-LayerNorm) with a KV cache.
//
//   x = tokEmb(tokens) (or given input embeddings) + posEmb(positions)
//   for each block: x = x + Attn(LN1(x)); x = x + FFN(LN2(x))      FFN = Linear → GELU(tanh) → Linear
//   logits = Linear(LN_f(x))   (untied, no bias)
//
// `forward` handles both a full pass (prefill, training) and incremental decoding: pass the
// cache returned by the previous call and only the new positions. `keyPadding` masks padded
// (left-pad) positions out of attention.
import { arange, cat, Embedding, LayerNorm, Linear, Module, type DType, type Tensor } from '../engine/index.js';

export interface TransformerConfig {
  vocabSize: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  dFF: number;
  maxPositions: number;
  dropout: number;
  /** Parameter dtype (float32 by default; float64 for gradient checks). */
  dtype?: DType;
}

/** Per-layer keys and values, each [N, heads, S, headDim]. */
export interface KVCache {
  layers: { k: Tensor; v: Tensor }[];
  length: number;
}

export interface ForwardOptions {
  cache?: KVCache;
  /** [N, S_total] bool, true where the key position is padding (S_total = cached + new). */
  keyPadding?: Tensor;
  /** Return the cache (with the new positions appended). */
  useCache?: boolean;
  /** Compute logits only for positions >= this index (hidden states are returned for all). */
  logitsFrom?: number;
}

export interface ForwardResult {
  /** [N, T - logitsFrom, vocab] */
  logits: Tensor;
  /** [N, T, dModel] final hidden states (after the final LayerNorm). */
  hidden: Tensor;
  cache?: KVCache;
}

const NEG = -1e9; // finite, so fully masked rows (left padding) give uniform weights, not NaN

export class SelfAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  constructor(
    readonly dModel: number,
    readonly nHeads: number,
    readonly dropout: number,
    dtype: DType = 'float32',
  ) {
    super();
    if (dModel % nHeads !== 0) throw new Error(`dModel ${dModel} is not divisible by nHeads ${nHeads}`);
    this.qkv = this.child('qkv', new Linear(dModel, 3 * dModel, { dtype }));
    this.proj = this.child('proj', new Linear(dModel, dModel, { dtype }));
  }
  /** x [N, T, D], bias [N or 1, 1, T, S] additive mask (null: every key visible); past: cached k/v. */
  forward(x: Tensor, bias: Tensor | null, past?: { k: Tensor; v: Tensor }): { y: Tensor; k: Tensor; v: Tensor } {
    const [n, t] = x.shape;
    const hd = this.dModel / this.nHeads;
    const qkv = this.qkv.forward(x).view([n, t, 3, this.nHeads, hd]).permute([2, 0, 3, 1, 4]); // [3, N, H, T, hd]
    const [q, kNew, vNew] = qkv.unbind(0);
    const k = past ? cat([past.k, kNew], 2) : kNew;
    const v = past ? cat([past.v, vNew], 2) : vNew;
    const scores = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hd));
    const att = (bias ? scores.add(bias) : scores).softmax(-1).dropout(this.dropout, this.training);
    const y = att.matmul(v).transpose(1, 2).reshape([n, t, this.dModel]);
    return { y: this.proj.forward(y).dropout(this.dropout, this.training), k, v };
  }
}

export class Block extends Module {
  readonly ln1: LayerNorm;
  readonly attn: SelfAttention;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly out: Linear;
  constructor(readonly cfg: TransformerConfig) {
    super();
    const dtype = cfg.dtype ?? 'float32';
    this.ln1 = this.child('ln1', new LayerNorm(cfg.dModel, 1e-5, dtype));
    this.attn = this.child('attn', new SelfAttention(cfg.dModel, cfg.nHeads, cfg.dropout, dtype));
    this.ln2 = this.child('ln2', new LayerNorm(cfg.dModel, 1e-5, dtype));
    this.fc = this.child('fc', new Linear(cfg.dModel, cfg.dFF, { dtype }));
    this.out = this.child('out', new Linear(cfg.dFF, cfg.dModel, { dtype }));
  }
  forward(x: Tensor, bias: Tensor | null, past?: { k: Tensor; v: Tensor }): { x: Tensor; k: Tensor; v: Tensor } {
    const a = this.attn.forward(this.ln1.forward(x), bias, past);
    const h = x.add(a.y);
    const f = this.out
      .forward(this.fc.forward(this.ln2.forward(h)).gelu('tanh'))
      .dropout(this.cfg.dropout, this.training);
    return { x: h.add(f), k: a.k, v: a.v };
  }
}

export class Transformer extends Module {
  readonly tokEmb: Embedding;
  readonly posEmb: Embedding;
  readonly blocks: Block[];
  readonly lnF: LayerNorm;
  readonly head: Linear;
  constructor(readonly cfg: TransformerConfig) {
    super();
    const dtype = cfg.dtype ?? 'float32';
    this.tokEmb = this.child('tok_emb', new Embedding(cfg.vocabSize, cfg.dModel, { dtype }));
    this.posEmb = this.child('pos_emb', new Embedding(cfg.maxPositions, cfg.dModel, { dtype }));
    this.blocks = [];
    for (let i = 0; i < cfg.nLayers; i++) this.blocks.push(this.child(`blocks.${i}`, new Block(cfg)));
    this.lnF = this.child('ln_f', new LayerNorm(cfg.dModel, 1e-5, dtype));
    this.head = this.child('head', new Linear(cfg.dModel, cfg.vocabSize, { bias: false, dtype }));
  }

  /** Token embeddings for int64 token ids [N, T] → [N, T, D]. */
  embedTokens(tokens: Tensor): Tensor {
    return this.tokEmb.forward(tokens);
  }

  /** Additive attention bias [N|1, 1, T, S]: causal over S = past + T, plus key padding. */
  attentionBias(t: number, past: number, keyPadding?: Tensor): Tensor {
    const s = past + t;
    const qpos = arange(t).add(past).unsqueeze(1); // [T, 1]
    const kpos = arange(s).unsqueeze(0); // [1, S]
    let masked = kpos.gt(qpos); // [T, S] true = future
    if (keyPadding)
      masked = masked.unsqueeze(0).logicalOr(keyPadding.unsqueeze(1)).unsqueeze(1); // [N,1,T,S]
    else masked = masked.unsqueeze(0).unsqueeze(0);
    return masked.to(this.cfg.dtype ?? 'float32').mul(NEG);
  }

  /** input: token ids [N, T] (int64) or embeddings [N, T, D]. */
  forward(input: Tensor, opts: ForwardOptions = {}): ForwardResult {
    const x0 = input.ndim === 2 ? this.embedTokens(input) : input;
    const [, t] = x0.shape;
    const past = opts.cache?.length ?? 0;
    if (past + t > this.cfg.maxPositions) {
      throw new Error(`sequence of ${past + t} positions exceeds maxPositions ${this.cfg.maxPositions}`);
    }
    let x = x0.add(this.posEmb.forward(arange(t).add(past))).dropout(this.cfg.dropout, this.training);
    // a single new query without padding sees every cached key: no mask needed
    const bias = t === 1 && !opts.keyPadding ? null : this.attentionBias(t, past, opts.keyPadding);
    const layers: { k: Tensor; v: Tensor }[] = [];
    this.blocks.forEach((b, i) => {
      const r = b.forward(x, bias, opts.cache?.layers[i]);
      x = r.x;
      layers.push({ k: r.k, v: r.v });
    });
    const hidden = this.lnF.forward(x);
    const from = opts.logitsFrom ?? 0;
    const logits = this.head.forward(from > 0 ? hidden.slice(1, from) : hidden);
    const res: ForwardResult = { logits, hidden };
    if (opts.useCache || opts.cache) res.cache = { layers, length: past + t };
    return res;
  }
}

/** Reorders (or expands) a cache along the batch axis: row i of the result is row index[i]. */
export function selectCache(cache: KVCache, index: Tensor): KVCache {
  return {
    length: cache.length,
    layers: cache.layers.map((l) => ({ k: l.k.indexSelect(0, index), v: l.v.indexSelect(0, index) })),
  };
}

/** The engine benchmark's reference transformer (issue 2). */
export const REFERENCE_CONFIG: TransformerConfig = {
  vocabSize: 2048,
  dModel: 128,
  nHeads: 4,
  nLayers: 2,
  dFF: 512,
  maxPositions: 64,
  dropout: 0,
};
