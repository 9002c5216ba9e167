// What beam search did at each step, for one look at one user's decoding (the report's beam-tree view): every valid
// child of every live beam with its score, its rank among the user's top-2B candidates, and its fate. Recorded only
// when `beamSearchDetailed` is asked to (`trace: true`); the normal path never builds one.
import type { BatchChildren } from './constraint.js';

/**
 * What became of a candidate prefix at its step:
 * - `beam`: kept as a running beam;
 * - `finished`: it completes an item that entered the finished pool (and stayed there);
 * - `evicted`: it completed an item that entered the pool and was pushed out later by a better one;
 * - `eos-rank`: it completes an item but ranked ≥ B among the user's 2B candidates (skipped, as in HF);
 * - `pool-full`: it completes an item not better than a full pool's worst;
 * - `cut`: in the top 2B, but B running beams were already taken;
 * - `outside`: not among the user's top-2B candidates;
 * - `stopped`: taken as a beam at the step the user's search stopped (the pool was full and better).
 */
export type BeamFate = 'beam' | 'finished' | 'evicted' | 'eos-rank' | 'pool-full' | 'cut' | 'outside' | 'stopped';

/** One candidate: the prefix of `parent` extended by `token` (ending at trie node `node`). */
export interface BeamTraceEntry {
  /** The step it was a candidate at (step s creates prefixes of s + 1 tokens). */
  step: number;
  /** Trie node of the beam it extends (the user's root at step 0). */
  parent: number;
  node: number;
  token: number;
  /** Sum of the prefix's token log-probabilities (the decoder's scoring). */
  score: number;
  /** Rank among the user's top-2B candidates of the step (0 = best), -1 outside them. */
  rank: number;
  /** The item it completes, or -1. */
  item: number;
  fate: BeamFate;
}

/** One user's trace: its root node and every candidate of every step, in step order. */
export interface BeamTrace {
  root: number;
  entries: BeamTraceEntry[];
}

/** Collects the traces of a beam search (see beam.ts): one call per step to begin, then the decisions. */
export class BeamTraceRecorder {
  private readonly traces: BeamTrace[];
  /** This step's entry of each (row, child) cell, row-major by the step's children table (null at padding). */
  private cells: (BeamTraceEntry | null)[] = [];

  constructor(roots: ArrayLike<number>) {
    this.traces = Array.from(roots, (root) => ({ root, entries: [] }));
  }

  /**
   * Starts step `step`: every valid child of every live row (`liveUser`, `liveNode`; children `ch`; scores [N, C]
   * row-major) becomes an entry, `outside` until ranked or decided.
   */
  beginStep(
    step: number,
    liveUser: Int32Array,
    liveNode: Int32Array,
    ch: BatchChildren,
    scores: Float64Array,
    itemAt: (node: number) => number,
  ): void {
    const C = ch.width;
    this.cells = new Array<BeamTraceEntry | null>(liveUser.length * C).fill(null);
    for (let r = 0; r < liveUser.length; r++)
      for (let c = 0; c < C; c++) {
        const e = r * C + c;
        if (ch.tokens[e] < 0) continue;
        const node = ch.next[e];
        const entry: BeamTraceEntry = {
          step,
          parent: liveNode[r],
          node,
          token: ch.tokens[e],
          score: scores[e],
          rank: -1,
          item: itemAt(node),
          fate: 'outside',
        };
        this.cells[e] = entry;
        this.traces[liveUser[r]].entries.push(entry);
      }
  }

  /** Cell `e` ranked `rank` among its user's top-2B candidates (`cut` until a decision says otherwise). */
  rank(e: number, rank: number): void {
    const entry = this.cells[e];
    if (entry) {
      entry.rank = rank;
      entry.fate = 'cut';
    }
  }

  /** The selection's decision about cell `e`. */
  decide(e: number, fate: BeamFate): void {
    const entry = this.cells[e];
    if (entry) entry.fate = fate;
  }

  /** User `u` stopped at this step: the beams it took at this step are dropped. */
  stop(u: number, step: number): void {
    for (const entry of this.traces[u].entries)
      if (entry.step === step && entry.fate === 'beam') entry.fate = 'stopped';
  }

  /** Item `item` was pushed out of user `u`'s pool. */
  evict(u: number, item: number): void {
    for (const entry of this.traces[u].entries)
      if (entry.item === item && entry.fate === 'finished') entry.fate = 'evicted';
  }

  result(): BeamTrace[] {
    return this.traces;
  }
}
