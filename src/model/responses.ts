// Teacher-forced list responses (BLADE §2.1): a response is the concatenation of its items' identifiers, each ending
// in the identifier's end token, decoded after BOS (the layout of ./genrec.ts). This file turns item lists or decoded
// token rows into the tensors a loss needs, and scores responses under the model: log π(y_t | prompt, y_<t) for every
// token, differentiable (GRPO's policy term, DPO's sequence log-likelihoods) or not (reference policies).
import { tensor, type Tensor } from '../engine/index.js';
import type { ItemIdentifier } from '../ids/types.js';
import type { GenRecModel } from './genrec.js';
import type { TargetBatch } from './targets.js';

/** Token rows: R responses, row-major R × width, left-aligned, padded with -1. */
export interface TokenRows {
  tokens: Int32Array;
  lengths: Int32Array;
  width: number;
}

/** The tokens of each item list: its items' identifiers one after the other (trie paths, end tokens included). */
export function listTokenRows(ids: ItemIdentifier, lists: ReadonlyArray<ArrayLike<number>>): TokenRows {
  const R = lists.length;
  const paths = lists.map((l) => ids.trie.targetPaths(Int32Array.from(l)));
  const lengths = new Int32Array(R);
  paths.forEach((p, r) => (lengths[r] = p.lengths.reduce((a, b) => a + b, 0)));
  const width = Math.max(1, ...lengths);
  const tokens = new Int32Array(R * width).fill(-1);
  paths.forEach((p, r) => {
    let o = r * width;
    for (let i = 0; i < p.lengths.length; i++)
      for (let t = 0; t < p.lengths[i]; t++) tokens[o++] = p.targetTokens[i * p.width + t];
  });
  return { tokens, lengths, width };
}

/** Teacher-forced tensors of token rows: `targetIn` = BOS then each row's tokens but its last, `targets` the tokens
 * (0 at padding), `mask` 1 at real tokens. */
export type ResponseBatch = Pick<TargetBatch, 'targetIn' | 'targets' | 'mask'>;

export function responseBatch(ids: ItemIdentifier, rows: TokenRows): ResponseBatch {
  const { tokens, lengths, width: W } = rows;
  const R = lengths.length;
  const { pad, bos } = ids.specials;
  const tin = new Int32Array(R * W).fill(pad);
  const tgt = new Int32Array(R * W);
  const mask = new Float32Array(R * W);
  for (let r = 0; r < R; r++) {
    tin[r * W] = bos;
    for (let t = 0; t < lengths[r]; t++) {
      const tok = tokens[r * W + t];
      tgt[r * W + t] = tok;
      mask[r * W + t] = 1;
      if (t + 1 < W && t + 1 < lengths[r]) tin[r * W + t + 1] = tok;
    }
  }
  return {
    targetIn: tensor(tin, [R, W], 'int64'),
    targets: tensor(tgt, [R, W], 'int64'),
    mask: tensor(mask, [R, W], 'float32'),
  };
}

/**
 * The teacher-forced batch of item lists (SFT on target lists): {@link responseBatch} of their tokens plus `valid`,
 * the trie children at every position (each item's path restarts at the root), for objectives that read it (MSL).
 */
export function listTargetBatch(ids: ItemIdentifier, lists: ReadonlyArray<ArrayLike<number>>): TargetBatch {
  const rows = listTokenRows(ids, lists);
  const R = lists.length;
  const W = rows.width;
  const nodes = new Int32Array(R * W).fill(-1);
  lists.forEach((l, r) => {
    const p = ids.trie.targetPaths(Int32Array.from(l));
    let o = r * W;
    for (let i = 0; i < p.lengths.length; i++)
      for (let t = 0; t < p.lengths[i]; t++) nodes[o++] = p.prefixNodes[i * p.width + t];
  });
  const ch = ids.trie.batchChildren(nodes);
  const C = Math.max(ch.width, 1);
  const vt = new Int32Array(R * W * C);
  const vm = new Uint8Array(R * W * C);
  for (let i = 0; i < ch.tokens.length; i++)
    if (ch.tokens[i] >= 0) {
      vt[i] = ch.tokens[i];
      vm[i] = 1;
    }
  return {
    ...responseBatch(ids, rows),
    valid: { tokens: tensor(vt, [R, W, C], 'int64'), mask: tensor(vm, [R, W, C], 'bool') },
  };
}

/**
 * [R, W] float32 log π(token) of every response token under `model`'s full softmax (temperature 1; 0 at padding),
 * teacher-forced from `histories[r]` (one per row). Differentiable unless called under noGrad.
 */
export function responseLogProbs(
  model: GenRecModel,
  histories: ReadonlyArray<ReadonlyArray<number>>,
  batch: ResponseBatch,
): Tensor {
  const logits = model.forwardTrain(model.encodeHistories(histories), batch.targetIn);
  return logits.logSoftmax(-1).gather(-1, batch.targets.unsqueeze(-1)).squeeze(-1).mul(batch.mask);
}
