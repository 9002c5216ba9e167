// Test fixtures for the BEAR diagnostics and the beam-simulation objective: a tiny trie, hand-worked next-token
// tables and a StepModel that reads them; a tiny GenRecModel over a few titles. Not a test file itself.
import { manualSeed, tensor, type Tensor } from '../src/engine/index.js';
import { PrefixTrie } from '../src/ids/trie.js';
import { buildTitleIdentifier } from '../src/ids/index.js';
import { ModelConfigDef } from '../src/model/config.js';
import { GenRecModel } from '../src/model/genrec.js';
import type { StepModel } from '../src/decode/types.js';

// Tokens: EOS = 0, a = 1, b = 2, c = 3. Items: 0 = aa, 1 = ab, 2 = ba, 3 = bb, 4 = ca (each + EOS).
export const [E, A, Bt, C] = [0, 1, 2, 3];
export const CODES = [
  [A, A, E],
  [A, Bt, E],
  [Bt, A, E],
  [Bt, Bt, E],
  [C, A, E],
];
export const TRIE = PrefixTrie.build(CODES, E);
export const V = 4;

/** Next-token probabilities per prefix (key: tokens joined by ','); missing tokens have probability 0. */
export type Table = Record<string, Record<number, number>>;

/**
 * Table 0 (all mass on the trie): root a .4 b .35 c .25; a→ a .6 b .4; b→ a .7 b .3; c→ a 1; EOS 1.
 * Items: 4 (ca) .25, 2 (ba) .245, 0 (aa) .24, 1 (ab) .16, 3 (bb) .105.
 * Beam B=2: step 0 keeps a, b (c pruned: sibling rank 2); step 1 keeps ba .245, aa .24 → returns [2, 0].
 */
export const T0: Table = {
  '': { [A]: 0.4, [Bt]: 0.35, [C]: 0.25 },
  '1': { [A]: 0.6, [Bt]: 0.4 },
  '2': { [A]: 0.7, [Bt]: 0.3 },
  '3': { [A]: 1 },
  '1,1': { [E]: 1 },
  '1,2': { [E]: 1 },
  '2,1': { [E]: 1 },
  '2,2': { [E]: 1 },
  '3,1': { [E]: 1 },
};
/**
 * Table 1 (mass off the trie, like a full-softmax model): root a .5 b .3 c .2; a→ a .5 b .4; b→ a .9 b .1; c→ a .5;
 * EOS: aa .2, ab .3, ba .2, bb 1, ca .9. Prefixes of length 2: ba .27, aa .25, ab .2, bb .03, ca .1.
 * Items: 4 .09, 1 .06, 2 .054, 0 .05, 3 .03. Beam B=2: step 0 keeps a, b; step 1 keeps ba, aa (ab .2 pruned although
 * each of its tokens is top-2 among its siblings) → returns [2 (.054), 0 (.05)].
 */
export const T1: Table = {
  '': { [A]: 0.5, [Bt]: 0.3, [C]: 0.2 },
  '1': { [A]: 0.5, [Bt]: 0.4 },
  '2': { [A]: 0.9, [Bt]: 0.1 },
  '3': { [A]: 0.5 },
  '1,1': { [E]: 0.2 },
  '1,2': { [E]: 0.3 },
  '2,1': { [E]: 0.2 },
  '2,2': { [E]: 1 },
  '3,1': { [E]: 0.9 },
};

export interface TableState {
  prefixes: number[][];
}

/** A StepModel reading log p(· | user, prefix) from per-user tables. */
export class TableModel implements StepModel<TableState> {
  readonly vocabSize = V;
  live = 0;
  constructor(private readonly tables: Table[]) {}
  private emit(users: number[], prefixes: number[][]): { logProbs: Tensor; state: TableState } {
    const out = new Float32Array(prefixes.length * V).fill(-Infinity);
    prefixes.forEach((p, i) => {
      const row = this.tables[users[i]][p.join(',')] ?? {};
      for (const [tok, pr] of Object.entries(row)) out[i * V + Number(tok)] = Math.log(pr);
    });
    this.live++;
    return {
      logProbs: tensor(out, [prefixes.length, V], 'float32'),
      state: { prefixes: prefixes.map((p, i) => [users[i], ...p]) },
    };
  }
  start(): { logProbs: Tensor; state: TableState } {
    return this.emit(
      this.tables.map((_, u) => u),
      this.tables.map(() => []),
    );
  }
  advance(state: TableState, rows: Tensor, tokens: Tensor): { logProbs: Tensor; state: TableState } {
    const r = rows.toInt32();
    const t = tokens.toInt32();
    const users: number[] = [];
    const prefixes: number[][] = [];
    r.forEach((row, i) => {
      const [u, ...p] = state.prefixes[row];
      users.push(u);
      prefixes.push([...p, t[i]]);
    });
    return this.emit(users, prefixes);
  }
  dispose(): void {
    this.live--;
  }
}

/** A GenRecModel (random init, eval mode) over a dozen short titles: vocab 300, 1 layer, d = 16. */
export function tinyGenRec(seed = 0): GenRecModel {
  const titles = [
    'red pen',
    'blue pen',
    'red ink',
    'black pen',
    'paper',
    'paper clip',
    'stapler',
    'staples',
    'blue ink',
    'desk',
    'desk lamp',
    'red',
  ];
  const ids = buildTitleIdentifier(
    titles.map((title, index) => ({ index, title })),
    { vocabSize: 300 },
  );
  manualSeed(seed);
  const model = new GenRecModel(
    ModelConfigDef.parse({ dModel: 16, nHeads: 2, nLayers: 1, dFF: 32, dropout: 0.1, maxHistory: 4 }),
    ids,
  );
  model.eval();
  return model;
}
