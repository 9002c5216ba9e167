// Turns next-item examples into the tensors a training objective needs: teacher-forced target batches of the
// model's item identifiers (used by training and by the pruning diagnostics).
import { tensor, type Tensor } from '../engine/index.js';
import type { ItemIdentifier } from '../ids/types.js';

export interface TargetBatch {
  /** [B, L] int64: BOS then the first L-1 code tokens (pad after the code ends). */
  targetIn: Tensor;
  /** [B, L] int64 code tokens (0 where padded). */
  targets: Tensor;
  /** [B, L] float32 1 for real positions. */
  mask: Tensor;
  /** Trie-valid next tokens at every target position (the `valid` of an objective's input). */
  valid: { tokens: Tensor; mask: Tensor };
}

export function targetBatch(ids: ItemIdentifier, items: ArrayLike<number>): TargetBatch {
  const B = items.length;
  const paths = ids.trie.targetPaths(Int32Array.from(items));
  const L = paths.width;
  const { pad, bos } = ids.specials;
  const tin = new Int32Array(B * L).fill(pad);
  const tgt = new Int32Array(B * L);
  const mask = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    const n = paths.lengths[b];
    tin[b * L] = bos;
    for (let t = 0; t < n; t++) {
      const tok = paths.targetTokens[b * L + t];
      tgt[b * L + t] = tok;
      mask[b * L + t] = 1;
      if (t + 1 < L && t + 1 < n) tin[b * L + t + 1] = tok;
    }
  }
  const ch = ids.trie.batchChildren(paths.prefixNodes);
  const C = Math.max(ch.width, 1);
  const vt = new Int32Array(B * L * C);
  const vm = new Uint8Array(B * L * C);
  if (ch.width > 0) {
    for (let i = 0; i < ch.tokens.length; i++) {
      const t = ch.tokens[i];
      if (t >= 0) {
        vt[i] = t;
        vm[i] = 1;
      }
    }
  }
  return {
    targetIn: tensor(tin, [B, L], 'int64'),
    targets: tensor(tgt, [B, L], 'int64'),
    mask: tensor(mask, [B, L], 'float32'),
    valid: { tokens: tensor(vt, [B, L, C], 'int64'), mask: tensor(vm, [B, L, C], 'bool') },
  };
}
