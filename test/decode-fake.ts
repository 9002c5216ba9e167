// Test fixtures for the decoders: a deterministic fake StepModel whose next-token distribution is a
// fixed function of (user, prefix), random tries, and brute-force scoring. Not a test file itself.
import { tensor, type Tensor } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import type { StepModel } from '../src/decode/types.js';
import { Rng } from '../src/util/rng.js';

export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function mix(h: number, tok: number): number {
  let x = (h ^ Math.imul(tok + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) | 0; // int32
}

export interface FakeState {
  /** [N] int64: hash of (user, prefix) of each row. */
  h: Tensor;
  /** Trie node of each row's prefix (only with `restrict`). */
  nodes: Int32Array;
}

/**
 * log p(token | user, prefix) = logSoftmax(peak · uniform(-1, 1) logits seeded by hash(user, prefix)), float32.
 * With `restrict`, tokens that are not valid children of the prefix's node get probability 0 (a model whose
 * mass is all on the trie, so item probabilities sum to 1).
 */
export class FakeModel implements StepModel<FakeState> {
  readonly vocabSize: number;
  liveStates = 0;
  starts = 0;
  advances = 0;
  rows = 0;
  private readonly cache = new Map<number, Float32Array>();
  constructor(
    vocab: number,
    private readonly userSeeds: ReadonlyArray<number>,
    private readonly peak = 3,
    private readonly restrict: PrefixTrie | null = null,
  ) {
    this.vocabSize = vocab;
  }

  /** The distribution after hash h at trie node `node` (memoised by hash). */
  dist(h: number, node: number): Float32Array {
    let d = this.cache.get(h);
    if (d) return d;
    const r = rng(h);
    const V = this.vocabSize;
    const logits = new Float64Array(V);
    let mx = -Infinity;
    for (let v = 0; v < V; v++) {
      logits[v] = this.peak * (2 * r() - 1);
      if (this.restrict !== null && this.restrict.next(node, v) < 0) logits[v] = -Infinity;
      if (logits[v] > mx) mx = logits[v];
    }
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[v] - mx);
    const lz = mx + Math.log(z);
    d = new Float32Array(V);
    for (let v = 0; v < V; v++) d[v] = logits[v] - lz;
    this.cache.set(h, d);
    return d;
  }

  hashOf(user: number, prefix: ArrayLike<number>): number {
    let h = mix(0x1234567, this.userSeeds[user]);
    for (let i = 0; i < prefix.length; i++) h = mix(h, prefix[i]);
    return h;
  }

  /** log p(· | user, prefix) as the model reports it (float32 values). */
  lp(user: number, prefix: ArrayLike<number>): Float32Array {
    return this.dist(this.hashOf(user, prefix), this.restrict === null ? 0 : this.restrict.walk(prefix));
  }

  private emit(hs: Int32Array, nodes: Int32Array): { logProbs: Tensor; state: FakeState } {
    const V = this.vocabSize;
    const out = new Float32Array(hs.length * V);
    for (let i = 0; i < hs.length; i++) out.set(this.dist(hs[i], nodes[i]), i * V);
    this.liveStates++;
    this.rows += hs.length;
    return { logProbs: tensor(out, [hs.length, V], 'float32'), state: { h: tensor(hs, [hs.length], 'int64'), nodes } };
  }

  start(): { logProbs: Tensor; state: FakeState } {
    this.starts++;
    const hs = Int32Array.from(this.userSeeds, (_, u) => mix(0x1234567, this.userSeeds[u]));
    return this.emit(hs, new Int32Array(hs.length));
  }

  advance(state: FakeState, rows: Tensor, tokens: Tensor): { logProbs: Tensor; state: FakeState } {
    this.advances++;
    if (state.h.isDisposed) throw new Error('fake model: advance on a disposed state');
    const prev = state.h.toInt32();
    const r = rows.toInt32();
    const t = tokens.toInt32();
    if (r.length !== t.length) throw new Error('fake model: rows/tokens length mismatch');
    const hs = new Int32Array(r.length);
    const nodes = new Int32Array(r.length);
    for (let i = 0; i < r.length; i++) {
      if (r[i] < 0 || r[i] >= prev.length) throw new Error(`fake model: row ${r[i]} outside [0, ${prev.length})`);
      if (t[i] < 0 || t[i] >= this.vocabSize) throw new Error(`fake model: token ${t[i]} outside vocab`);
      hs[i] = mix(prev[r[i]], t[i]);
      if (this.restrict !== null) nodes[i] = this.restrict.next(state.nodes[r[i]], t[i]);
    }
    return this.emit(hs, nodes);
  }

  dispose(state: FakeState): void {
    if (state.h.isDisposed) throw new Error('fake model: state disposed twice');
    state.h.dispose();
    this.liveStates--;
  }
}

export interface RandomTrie {
  codes: number[][];
  trie: PrefixTrie;
  vocab: number;
  eos: number;
}

/** A random trie: 4–30 items (capped by `maxItems`), vocab 6–12, 0–5 tokens + EOS per code, shared prefixes. */
export function randomTrie(
  r: () => number,
  opts: { minItems?: number; maxItems?: number; maxLen?: number } = {},
): RandomTrie {
  const vocab = randInt(r, 6, 12);
  const eos = randInt(r, 0, vocab - 1);
  const others = Array.from({ length: vocab }, (_, i) => i).filter((t) => t !== eos);
  // A small alphabet makes shared prefixes and prefix-of-another codes common.
  const alpha = others.slice(0, randInt(r, 2, Math.min(5, others.length)));
  const minItems = opts.minItems ?? 4;
  const want = randInt(r, minItems, opts.maxItems ?? 30);
  const maxLen = opts.maxLen ?? 5;
  const rootOne = r() < 0.25; // every code starts with the same token: the root has one child
  const seen = new Set<string>();
  const codes: number[][] = [];
  for (let tries = 0; codes.length < want && tries < 2000; tries++) {
    const len = r() < 0.05 ? 0 : randInt(r, 1, maxLen);
    const c: number[] = [];
    for (let i = 0; i < len; i++) c.push(alpha[randInt(r, 0, alpha.length - 1)]);
    if (rootOne) c.unshift(alpha[0]);
    c.push(eos);
    const k = c.join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    codes.push(c);
  }
  return { codes, trie: PrefixTrie.build(codes, eos), vocab, eos };
}

/** Brute force: every item's log-prob for a user (sum of the model's float32 log-probs, left to right). */
export function itemScores(model: FakeModel, user: number, codes: number[][]): Float64Array {
  const out = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    let s = 0;
    for (let t = 0; t < c.length; t++) s += model.lp(user, c.slice(0, t))[c[t]];
    out[i] = s;
  }
  return out;
}

/** Items sorted by score, descending (ties by item index). */
export function ranking(scores: Float64Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** The fake model plus the optional `concat` (gathers rows of several states into one). */
export class FakeConcatModel extends FakeModel {
  concats = 0;
  concat(parts: ReadonlyArray<{ state: FakeState; rows: Tensor }>): FakeState {
    this.concats++;
    const hs: number[] = [];
    const nodes: number[] = [];
    for (const p of parts) {
      if (p.state.h.isDisposed) throw new Error('fake model: concat of a disposed state');
      const h = p.state.h.toInt32();
      for (const r of p.rows.toInt32()) {
        if (r < 0 || r >= h.length) throw new Error(`fake model: concat row ${r} outside [0, ${h.length})`);
        hs.push(h[r]);
        nodes.push(p.state.nodes[r]);
      }
    }
    this.liveStates++;
    return { h: tensor(Int32Array.from(hs), [hs.length], 'int64'), nodes: Int32Array.from(nodes) };
  }
}
