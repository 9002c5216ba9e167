/**
 * The live model states of exact top-K decoding (./exact.ts), bounded.
 *
 * Segments. `advance(state, rows, tokens)` extends rows of ONE previous state, and expanding a prefix needs its
 * parent's row. Every model call creates a "segment" (its output state); a frontier entry (./frontier-heap.ts) stores
 * (segment, row) of its parent's expansion. A segment's state is kept while some frontier entry still refers to it
 * (reference count) and disposed as soon as none does, including when a user finishes and drops its frontier.
 *
 * Memory. Every frontier prefix keeps its parent's state row (a KV cache) alive, and a flat model's frontier holds
 * thousands of prefixes per user that are never expanded, so live state would grow without bound (measured: 20 toy
 * users, 10k expansions each, 188k live rows, 5.4 GB). Whenever the rows of all live segments exceed `maxStateRows`:
 * (1) with `concat`, every segment whose frontier uses at most half of its rows is compacted (the used rows are
 * gathered into a new, smaller state and the frontier entries renumbered); (2) if the compacted total would still
 * exceed the limit, the segments whose best frontier prefix scores lowest are evicted (instead of compacted) until
 * half the limit is left: their frontier entries forget the parent state, and when one of them is popped, its state
 * is recomputed from the users' root state along the prefix's tokens (batched by prefix length; `recomputedRows`
 * counts the extra rows). The root state (one row per user) is never evicted. Neither step changes which prefixes
 * are expanded, so the result is the same.
 */
import { advanceModel, concatModel, disposeOutputs, type StepOutput } from './common.js';
import { EVICTED, type FrontierHeap } from './frontier-heap.js';
import type { StepModel } from './types.js';

/** Messages name the search that owns the store. */
const WHERE = 'exactTopK';
/** The segment of the users' root state (from `start`); the first segment added. */
const ROOT = 0;

interface Segment<S> {
  state: S;
  /** Frontier entries that refer to a row of this segment. */
  refs: number;
  /** Rows of `state`. */
  rows: number;
}

/** Segments of model state, reference-counted by the frontier entries of `heaps` (see module comment). */
export class StateStore<S> {
  private readonly segments: (Segment<S> | null)[] = [];
  /** State rows alive now and at most (summed over segments). */
  liveRows = 0;
  peakStateRows = 0;
  /** Compaction passes run, segments evicted, model rows and calls spent recomputing evicted states. */
  compactions = 0;
  evictions = 0;
  recomputedRows = 0;
  modelCalls = 0;

  constructor(
    private readonly model: StepModel<S>,
    private readonly heaps: readonly FrontierHeap[],
    /** Live rows above which `reclaim` is due. */
    readonly maxStateRows: number,
    private readonly useConcat: boolean,
  ) {}

  /** Adds a segment of `rows` rows held by `refs` frontier entries; returns its index. */
  add(state: S, rows: number, refs: number): number {
    this.segments.push({ state, refs, rows });
    this.liveRows += rows;
    this.peakStateRows = Math.max(this.peakStateRows, this.liveRows);
    return this.segments.length - 1;
  }

  private disposeSegment(g: number, sg: Segment<S>): void {
    this.segments[g] = null;
    this.liveRows -= sg.rows;
    this.model.dispose(sg.state);
  }

  /** Drops `count` references to segment `g`, disposing it when none is left. */
  release(g: number, count: number): void {
    const sg = this.segments[g];
    if (sg === null) throw new Error(`${WHERE}: internal error: segment ${g} released twice`);
    sg.refs -= count;
    if (sg.refs <= 0) this.disposeSegment(g, sg);
  }

  /** Sets the references of segment `g` once its frontier entries are pushed; disposes it at once if none. */
  setRefs(g: number, refs: number): void {
    const sg = this.segments[g]!;
    sg.refs = refs;
    if (sg.refs === 0) this.release(g, 0);
  }

  /** The state of a live segment. */
  stateOf(g: number): S {
    const sg = this.segments[g];
    if (sg === null) throw new Error(`${WHERE}: internal error: segment ${g} already disposed`);
    return sg.state;
  }

  /** Disposes every live segment (at the end of the search, or when it throws). */
  disposeAll(): void {
    for (let g = 0; g < this.segments.length; g++) {
      const sg = this.segments[g];
      if (sg !== null) this.disposeSegment(g, sg);
    }
  }

  /** Rows of each segment used by the frontier (old row → new row, in first-use order) and its best entry's score. */
  private frontierUse(): Map<number, { rows: Map<number, number>; best: number }> {
    const used = new Map<number, { rows: Map<number, number>; best: number }>();
    for (const h of this.heaps) {
      for (let i = 0; i < h.size; i++) {
        const g = h.seg[i];
        if (g < 0) continue;
        let m = used.get(g);
        if (m === undefined) {
          if (this.segments[g] === null)
            throw new Error(`${WHERE}: internal error: frontier refers to disposed segment ${g}`);
          used.set(g, (m = { rows: new Map(), best: -Infinity }));
        }
        if (!m.rows.has(h.row[i])) m.rows.set(h.row[i], m.rows.size);
        m.best = Math.max(m.best, h.score[i]);
      }
    }
    return used;
  }

  /** Renumbers frontier entries: moved segments to (new segment, new row), evicted ones to EVICTED. */
  private remap(moved: Map<number, { to: number; rows: Map<number, number> }>, evicted: Set<number>): void {
    for (const h of this.heaps) {
      for (let i = 0; i < h.size; i++) {
        const g = h.seg[i];
        if (g < 0) continue;
        if (evicted.has(g)) {
          h.seg[i] = EVICTED;
          h.row[i] = -1;
          continue;
        }
        const mv = moved.get(g);
        if (mv === undefined) continue;
        h.seg[i] = mv.to;
        h.row[i] = mv.rows.get(h.row[i])!;
      }
    }
  }

  /**
   * Bounds live state (see module comment) with one scan of the frontier: a segment that compaction would shrink counts
   * at its compacted size; if that still exceeds the limit, the least promising segments are evicted (none is compacted
   * first only to be evicted); then the kept ones are compacted (with `concat`) and the frontier renumbered once.
   */
  reclaim(): void {
    const use = [...this.frontierUse()].filter(([g]) => g !== ROOT);
    const compactable = (g: number, rows: number): boolean => this.useConcat && 2 * rows <= this.segments[g]!.rows;
    let projected = this.liveRows;
    for (const [g, m] of use) if (compactable(g, m.rows.size)) projected -= this.segments[g]!.rows - m.rows.size;
    const evicted = new Set<number>();
    if (projected > this.maxStateRows) {
      for (const [g, m] of [...use].sort((a, b) => a[1].best - b[1].best)) {
        if (projected <= this.maxStateRows / 2) break;
        projected -= compactable(g, m.rows.size) ? m.rows.size : this.segments[g]!.rows;
        this.disposeSegment(g, this.segments[g]!);
        evicted.add(g);
      }
      this.evictions += evicted.size;
    }
    const moved = new Map<number, { to: number; rows: Map<number, number> }>();
    for (const [g, m] of use) {
      if (evicted.has(g) || !compactable(g, m.rows.size)) continue;
      const sg = this.segments[g]!;
      const state = concatModel(this.model, [{ state: sg.state, rows: Int32Array.from(m.rows.keys()) }]);
      const to = this.add(state, m.rows.size, sg.refs);
      this.disposeSegment(g, sg);
      moved.set(g, { to, rows: m.rows });
    }
    if (this.useConcat) this.compactions++;
    this.remap(moved, evicted);
  }

  /**
   * Recomputes the states of evicted prefixes spelled `paths` (all of one length D) from the users' root rows along
   * their tokens, and returns the last step's output: D − 1 extra advances, then the expansion itself.
   */
  recompute(users: Int32Array, paths: Int32Array[]): StepOutput<S> {
    const n = paths.length;
    const D = paths[0].length;
    const iota = Int32Array.from({ length: n }, (_, i) => i);
    let state = this.segments[ROOT]!.state;
    let rows: Int32Array = users;
    for (let t = 0; ; t++) {
      const out = advanceModel(
        this.model,
        state,
        rows,
        Int32Array.from(paths, (p) => p[t]),
      );
      this.modelCalls++;
      if (t > 0) this.model.dispose(state);
      if (t === D - 1) return out;
      disposeOutputs(out);
      this.recomputedRows += n;
      state = out.state;
      rows = iota;
    }
  }
}
