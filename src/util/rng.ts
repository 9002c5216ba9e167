/**
 * Seeded pseudo-random numbers for the JS side (data shuffling, negative sampling, bootstrap resampling).
 *
 * Generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Deterministic across runs and platforms:
 * only 32-bit integer arithmetic (`Math.imul`, `>>>`) is used.
 *
 * `fork(label)` derives an independent generator from the *seed* and the label (not from the current state), so
 * `rng.fork('shuffle')` yields the same stream no matter how many numbers were drawn before it.
 */

/** Serializable generator state (for checkpoints). */
export interface RngState {
  seedKey: [number, number, number, number];
  s: [number, number, number, number];
  spare: number | null;
}

/** 32-bit string/number hash (FNV-1a followed by a murmur3 finaliser). */
function hash32(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** splitmix32 step: returns [output, nextState]. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

function keyFrom(seed: number | string, parent?: readonly number[]): [number, number, number, number] {
  let text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  if (parent) text = `${parent.join(',')}/${text}`;
  let st = hash32(text);
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [z, n] = splitmix32(st ^ hash32(text, 0x12345678 + i));
    out.push(z);
    st = n;
  }
  return out as [number, number, number, number];
}

const TWO_POW_32 = 4294967296;

/** A seeded PRNG. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  private seedKey: [number, number, number, number];

  /** `seed` may be any number or string; equal seeds give identical streams. */
  constructor(seed: number | string = 0, parentKey?: readonly number[]) {
    if (typeof seed === 'number' && !Number.isFinite(seed)) throw new Error(`Rng seed must be finite, got ${seed}`);
    this.seedKey = keyFrom(seed, parentKey);
    [this.a, this.b, this.c, this.d] = this.seedKey;
    // Discard the first outputs so weakly mixed states are stirred.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  /** Uniform float in [0, 1) with 53 bits of resolution (two draws). */
  nextDouble(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. `n` must be a positive safe integer. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const r = this.uint32();
        if (r < limit) return r % n;
      }
    }
    return Math.floor(this.nextDouble() * n);
  }

  /** Uniform integer in [lo, hi). */
  range(lo: number, hi: number): number {
    if (!(hi > lo)) throw new Error(`Rng.range: need lo < hi, got [${lo}, ${hi})`);
    return lo + this.int(hi - lo);
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T, A extends { length: number; [i: number]: T }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A uniformly chosen element; throws on an empty array. */
  choice<T>(arr: ArrayLike<T>): T {
    if (arr.length === 0) throw new Error('Rng.choice: empty array');
    return arr[this.int(arr.length)];
  }

  /** `k` distinct elements chosen uniformly without replacement (in random order). */
  sample<T>(arr: ArrayLike<T>, k: number): T[] {
    if (!Number.isSafeInteger(k) || k < 0 || k > arr.length)
      throw new Error(`Rng.sample: k must be an integer in [0, ${arr.length}], got ${k}`);
    const idx = Array.from({ length: arr.length }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(idx.length - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    return idx.slice(0, k).map((i) => arr[i]);
  }

  /** A `Uint32Array` permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle<number, Uint32Array>(p);
  }

  /** Normal deviate (Box–Muller). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u1 = (this.uint32() + 0.5) / TWO_POW_32; // in (0, 1): log is finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** An independent generator derived from this generator's seed and `label` (not from its current state). */
  fork(label: string | number): Rng {
    return new Rng(label, this.seedKey);
  }

  /** Snapshot of the full state (to resume a run exactly). */
  getState(): RngState {
    return { seedKey: [...this.seedKey], s: [this.a, this.b, this.c, this.d], spare: this.spare };
  }

  /** Rebuild a generator from {@link getState}. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.seedKey = [...state.seedKey];
    [r.a, r.b, r.c, r.d] = [state.s[0] | 0, state.s[1] | 0, state.s[2] | 0, state.s[3] | 0];
    r.spare = state.spare;
    return r;
  }
}
