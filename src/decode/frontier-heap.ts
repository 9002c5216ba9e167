/**
 * The frontier of exact top-K decoding (./exact.ts): one binary max-heap of prefixes per user, keyed by prefix
 * log-prob. Each entry stores the prefix's trie node and where its parent's state row lives: (segment, row) in the
 * state store (./state-store.ts), or LEAF for a finished item, or EVICTED for a parent state the store dropped.
 */

/** Frontier entry kinds in FrontierHeap.seg besides a segment index: a finished item, and an evicted parent state. */
export const LEAF = -1;
export const EVICTED = -2;

/** Binary max-heap of frontier prefixes (score, node, parent segment, parent row), in growable typed arrays. */
export class FrontierHeap {
  size = 0;
  score = new Float64Array(16);
  node = new Int32Array(16);
  seg = new Int32Array(16);
  row = new Int32Array(16);

  private grow(): void {
    const cap = this.score.length * 2;
    const g = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.score = g(this.score, (n) => new Float64Array(n));
    this.node = g(this.node, (n) => new Int32Array(n));
    this.seg = g(this.seg, (n) => new Int32Array(n));
    this.row = g(this.row, (n) => new Int32Array(n));
  }
  private put(i: number, s: number, n: number, g: number, r: number): void {
    this.score[i] = s;
    this.node[i] = n;
    this.seg[i] = g;
    this.row[i] = r;
  }
  private move(to: number, from: number): void {
    this.put(to, this.score[from], this.node[from], this.seg[from], this.row[from]);
  }
  push(s: number, n: number, g: number, r: number): void {
    if (this.size === this.score.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.score[p] >= s) break;
      this.move(i, p);
      i = p;
    }
    this.put(i, s, n, g, r);
  }
  /** Removes the top; read it (index 0) before calling. */
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    const s = this.score[last];
    const n = this.node[last];
    const g = this.seg[last];
    const r = this.row[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.score[c + 1] > this.score[c]) c++;
      if (this.score[c] <= s) break;
      this.move(i, c);
      i = c;
    }
    this.put(i, s, n, g, r);
  }
}
