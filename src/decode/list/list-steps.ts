// The step loop the list decoders share (greedy, sampling, and the forced re-scoring of beam lists): they differ only
// in how a step picks each row's next token. Rows are responses; each walks the list constraint (./list-constraint.ts)
// and stops when its node has no valid continuation (K items, or the catalogue used up).
//
// Prefill is shared: the model starts once per user (one row per user), and the first step's picks expand each user's
// row into its G responses (`advance` with rows = the user's row), so the G samples of a prompt share its prefill and
// KV cache. After that, one `advance` per step over the responses still running (finished ones are dropped).
import { tensor, tidy, type Tensor } from '../../engine/index.js';
import type { BatchChildren } from '../constraint.js';
import { checkInt, checkScoring, checkUsers, validLogNormaliser } from '../common.js';
import { runSteps } from '../steps.js';
import type { TokenScoring } from '../types.js';
import { countListItems } from './list-check.js';
import { ListConstraint } from './list-constraint.js';
import type { ListDecoderInput, ListResponses } from './types.js';

/** What a step shows the picker: the running responses, their valid next tokens and the model's view of them. */
export interface ListStep {
  step: number;
  /** [n]: the response of each running row (user ⌊response / G⌋). */
  responses: Int32Array;
  /** n rows: each row's valid next tokens under the list constraint (every row has at least one). */
  children: BatchChildren;
  /** [n, C] float64: log p(child | prompt, response so far) under the run's scoring; -inf at padding. */
  scores: Tensor;
  /** [n, C] float64: the children's raw logits when the step model gives them (else null); -inf at padding. */
  logits: Tensor | null;
}

/** A step's picks: the child index of each row (-1: the response stops here), and their behaviour log-probs. */
export interface ListPick {
  pick: Int32Array;
  /** [n]: log q(pick) under the distribution the picks were drawn from; null for deterministic picks (0). */
  behaviour: Float64Array | null;
}

export interface ListRunSettings {
  listLength: number;
  numSamples: number;
  scoring: TokenScoring;
  excludeHistory: boolean;
}

/** Validates the settings every list decoder reads (plus `numSamples`). */
export function checkListRun(where: string, s: ListRunSettings): void {
  checkInt(where, 'listLength', s.listLength, 1);
  checkInt(where, 'numSamples', s.numSamples, 1);
  checkScoring(where, s.scoring);
  if (typeof s.excludeHistory !== 'boolean') throw new Error(`${where}: 'excludeHistory' must be a boolean`);
}

/** t[row(r), token(r, c)] as float64 [n, C] (-inf at padding); `rows` null: row r of t. Call inside tidy. */
function gatherChildren(t: Tensor, rows: Int32Array | null, ch: BatchChildren): Tensor {
  const n = ch.tokens.length / ch.width;
  const tok = tensor(ch.tokens, [n, ch.width], 'int64');
  const r = tensor(rows ?? Int32Array.from({ length: n }, (_, i) => i), [n, 1], 'int64');
  return t
    .index([r, tok.clamp(0, null)])
    .double()
    .maskedFill(tok.lt(0), -Infinity);
}

/** Keeps the rows of `ch` that have a child; returns their indices and the compacted table. */
function liveRows(ch: BatchChildren): { keep: number[]; ch: BatchChildren } {
  const keep: number[] = [];
  const n = ch.width === 0 ? 0 : ch.tokens.length / ch.width;
  for (let r = 0; r < n; r++) if (ch.tokens[r * ch.width] >= 0) keep.push(r);
  if (keep.length === n) return { keep, ch };
  const w = ch.width;
  const tokens = new Int32Array(keep.length * w);
  const next = new Int32Array(keep.length * w);
  keep.forEach((r, i) => {
    tokens.set(ch.tokens.subarray(r * w, (r + 1) * w), i * w);
    next.set(ch.next.subarray(r * w, (r + 1) * w), i * w);
  });
  return { keep, ch: { width: w, tokens, next } };
}

/**
 * Decodes numUsers · numSamples responses of up to listLength items, calling `pick` once per step (inside a memory
 * scope: its tensors are freed after it returns). Records every token, its plain-model log-prob under `scoring` and its
 * behaviour log-prob, the items, and the audit counts (./list-check.ts). Throws when a running response's valid
 * tokens all have probability 0.
 */
export function decodeLists<S>(
  input: ListDecoderInput<S>,
  run: ListRunSettings,
  where: string,
  pick: (step: ListStep) => ListPick,
): ListResponses {
  const { model, constraint: base, numUsers: U, histories } = input;
  checkUsers(where, U);
  checkListRun(where, run);
  if (histories !== undefined && histories.length !== U) {
    throw new Error(`${where}: ${histories.length} histories for ${U} users`);
  }
  if (run.excludeHistory && histories === undefined) throw new Error(`${where}: excludeHistory needs the histories`);
  const K = run.listLength;
  const G = run.numSamples;
  const R = U * G;
  const list = new ListConstraint(base, {
    numUsers: U,
    listLength: K,
    exclude: run.excludeHistory ? histories! : null,
  });
  const toks: number[][] = Array.from({ length: R }, () => []);
  const lps: number[][] = Array.from({ length: R }, () => []);
  const behs: number[][] = Array.from({ length: R }, () => []);
  const its: number[][] = Array.from({ length: R }, () => []);
  const ends: number[][] = Array.from({ length: R }, () => []);

  // Running rows: response, constraint node, children, and the row of the step's model output (null: row r).
  const first = liveRows(list.batchChildren(Int32Array.from({ length: R }, (_, r) => list.rootOf(Math.floor(r / G)))));
  let resp = Int32Array.from(first.keep);
  let ch = first.ch;
  let modelRow: Int32Array | null = Int32Array.from(first.keep, (r) => Math.floor(r / G));
  const counts = runSteps(model, resp.length > 0 ? U : 0, (cur, step) => {
    const n = resp.length;
    if (n === 0) return null;
    const C = ch.width;
    const rowsOf = modelRow;
    const view = ch;
    const responses = resp;
    const { picks, behaviour, got } = tidy(() => {
      let scores = gatherChildren(cur.logProbs, rowsOf, view);
      if (run.scoring === 'valid') scores = scores.sub(validLogNormaliser(scores, 1, true));
      const mx = scores.amax(1).toFloat64();
      for (let r = 0; r < n; r++) {
        if (mx[r] === -Infinity) {
          const u = Math.floor(responses[r] / G);
          throw new Error(`${where}: user ${u}: the model gives probability 0 to every valid continuation`);
        }
      }
      const logits = cur.logits === undefined ? null : gatherChildren(cur.logits, rowsOf, view);
      const p = pick({ step, responses, children: view, scores, logits });
      if (p.pick.length !== n || (p.behaviour !== null && p.behaviour.length !== n)) {
        throw new Error(`${where}: internal error: ${p.pick.length} picks for ${n} rows`);
      }
      const safe = Int32Array.from(p.pick, (c) => Math.max(c, 0));
      const got = scores.gather(1, tensor(safe, [n, 1], 'int64')).toFloat64();
      return { picks: p.pick, behaviour: p.behaviour, got };
    });
    const nResp: number[] = [];
    const nNodes: number[] = [];
    const advRows: number[] = [];
    const advTokens: number[] = [];
    for (let r = 0; r < n; r++) {
      const c = picks[r];
      if (c === -1) continue;
      const e = r * C + c;
      const child = c >= 0 && c < C ? ch.next[e] : -1;
      if (child < 0) throw new Error(`${where}: internal error: picked child ${c} of row ${r} is not a valid token`);
      const q = resp[r];
      toks[q].push(ch.tokens[e]);
      lps[q].push(got[r]);
      behs[q].push(behaviour === null ? 0 : behaviour[r]);
      const item = list.itemAt(child);
      if (item >= 0) {
        its[q].push(item);
        ends[q].push(toks[q].length);
      }
      nResp.push(q);
      nNodes.push(child);
      advRows.push(rowsOf === null ? r : rowsOf[r]);
      advTokens.push(ch.tokens[e]);
    }
    // the next step's children; responses without any (K items, or nothing left) are done and not advanced
    const next = liveRows(list.batchChildren(Int32Array.from(nNodes)));
    resp = Int32Array.from(next.keep, (i) => nResp[i]);
    ch = next.ch;
    modelRow = null;
    return {
      rows: Int32Array.from(next.keep, (i) => advRows[i]),
      tokens: Int32Array.from(next.keep, (i) => advTokens[i]),
    };
  });

  let width = 0;
  for (const t of toks) if (t.length > width) width = t.length;
  const out: ListResponses = {
    numUsers: U,
    numSamples: G,
    listLength: K,
    items: new Int32Array(R * K).fill(-1),
    itemCounts: new Int32Array(R),
    itemEnds: new Int32Array(R * K).fill(-1),
    width,
    tokens: new Int32Array(R * width).fill(-1),
    mask: new Uint8Array(R * width),
    lengths: new Int32Array(R),
    logProbs: new Float64Array(R * width),
    behaviourLogProbs: new Float64Array(R * width),
    itemLogProbs: new Float64Array(R * K),
    invalidItems: new Int32Array(R),
    repeatedItems: new Int32Array(R),
    historyItems: new Int32Array(R),
    steps: counts.steps,
    rowsEvaluated: counts.rowsEvaluated,
  };
  for (let q = 0; q < R; q++) {
    const o = q * width;
    out.tokens.set(toks[q], o);
    out.mask.fill(1, o, o + toks[q].length);
    out.lengths[q] = toks[q].length;
    out.logProbs.set(lps[q], o);
    out.behaviourLogProbs.set(behs[q], o);
    out.items.set(its[q], q * K);
    out.itemEnds.set(ends[q], q * K);
    out.itemCounts[q] = its[q].length;
    let start = 0;
    ends[q].forEach((end, i) => {
      let s = 0;
      for (let t = start; t < end; t++) s += lps[q][t];
      out.itemLogProbs[q * K + i] = s;
      start = end;
    });
    const c = countListItems(
      base,
      { user: Math.floor(q / G), tokens: toks[q], items: its[q], itemEnds: ends[q] },
      histories ?? null,
    );
    out.invalidItems[q] = c.invalid;
    out.repeatedItems[q] = c.repeated;
    out.historyItems[q] = c.history;
  }
  return out;
}
