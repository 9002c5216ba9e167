/**
 * SASRec (Kang & McAuley, ICDM 2018) in the genrec engine, configured as the BEAR paper's baseline (§4.1):
 * 2 layers, 64 dimensions, cross-entropy over all items, full ranking.
 *
 *   x_t   = E[item_t] · √d + P[pos_t]                  (E: item table with one extra padding row, index numItems)
 *   x     = Block_L(… Block_1(dropout(x)))              (pre-LN transformer blocks, causal attention, padding masked)
 *   h     = LayerNorm(x_T)                              (final hidden state of the last position)
 *   score = h · E[0..numItems)ᵀ                         (tied with the input item table)
 *
 * - Histories are left-padded; real positions never attend to padding, and positions are counted from the end
 *   (the last history item always sits at position `maxLen − 1`), so the scores do not depend on how far a
 *   history is padded. Histories longer than `maxLen` keep their latest `maxLen` items. An empty history is
 *   scored from the padding alone (a learned "no history" state).
 * - The blocks are genrec's `Block` (pre-LayerNorm, tanh-GELU feed-forward of width `ffnMult · dModel`).
 *   The original SASRec also normalises before attention and feed-forward (with a final LayerNorm) but uses a
 *   ReLU feed-forward of width d (`ffnMult` 1, the default here).
 * - Loss: softmax cross-entropy over all items at the last position (one target per window), or, with
 *   `trainOnPrefixes`, at every real position too (each prefix of the window predicts its next item).
 * - Training: seeded shuffling, AdamW, one pass over the training rows per epoch, validation by full ranking
 *   (`validMetric`, default NDCG@10) after each epoch, early stopping after `patience` epochs without
 *   improvement; the best weights are kept in memory and restored at the end. With `refit`, a fresh model (same
 *   seed) is then trained on train + valid for the best epoch count, and that model is the result.
 * - Evaluation ranks all items; history items are not filtered out (the protocol allows repeat purchases).
 */
import {
  adamW,
  inEvalMode,
  arange,
  Embedding,
  keep,
  LayerNorm,
  manualSeed,
  Module,
  noGrad,
  releaseMemory,
  tensor,
  tidy,
  type Tensor,
} from '../engine/index.js';
import { Block, type TransformerConfig } from '../model/transformer.js';
import { selectThenRefit } from '../train/select.js';
import type { Example } from '../data/types.js';
import { evaluateRankings, higherIsBetter, parseMetric } from '../eval/metrics.js';
import { bool, defineConfig, int, num, str, type ConfigOf } from '../util/config.js';
import { Progress } from '../util/progress.js';
import { Rng } from '../util/rng.js';

export const SasrecConfig = defineConfig('sasrec', {
  dModel: int({
    default: 64,
    min: 1,
    doc: 'Hidden size (item and position embedding width).',
    paper: 'BEAR §4.1: 64-dim',
  }),
  nLayers: int({ default: 2, min: 1, doc: 'Number of transformer blocks.', paper: 'BEAR §4.1: 2-layer' }),
  nHeads: int({
    default: 1,
    min: 1,
    doc: 'Attention heads (must divide dModel); SASRec uses a single head.',
    paper: 'SASRec (Kang & McAuley 2018) default: 1 head',
  }),
  ffnMult: int({ default: 1, min: 1, doc: 'Feed-forward width as a multiple of dModel (SASRec: 1).' }),
  dropout: num({
    default: 0.2,
    min: 0,
    max: 1,
    exclusiveMax: true,
    doc: 'Dropout on the input embeddings, attention weights and block outputs.',
    paper: 'SASRec: 0.2 on sparse Amazon data (0.5 in the official code for Beauty-like sets)',
  }),
  maxLen: int({ default: 10, min: 1, doc: 'Longest history used (latest items kept); number of learned positions.' }),
  embedInitStd: num({ default: 0.02, min: 0, exclusiveMin: true, doc: 'Std of the normal init of the embeddings.' }),
  lr: num({ default: 1e-3, min: 0, exclusiveMin: true, doc: 'AdamW learning rate.', paper: 'BEAR §4.1: 1e-3' }),
  weightDecay: num({ default: 0, min: 0, doc: 'AdamW decoupled weight decay.' }),
  batchSize: int({
    default: 256,
    min: 1,
    doc: 'Training windows per step.',
    paper: 'BEAR §4.1 uses 128; 256 halves the steps on 2 CPU cores',
  }),
  maxEpochs: int({ default: 200, min: 1, doc: 'Upper bound on training epochs.', paper: 'BEAR §4.1: 200 epochs' }),
  patience: int({ default: 10, min: 1, doc: 'Stop after this many epochs without a better validation score.' }),
  validMetric: str({ default: 'ndcg@10', doc: 'Validation metric for early stopping (higher is better).' }),
  evalBatchSize: int({ default: 1024, min: 1, doc: 'Examples per batch when ranking (no effect on results).' }),
  trainOnPrefixes: bool({
    default: false,
    doc: 'Also train every prefix of each window (each real position predicts the next item), not only the last.',
  }),
  refit: bool({
    default: false,
    doc: 'After choosing the epoch count on valid, retrain from scratch on train + valid for that many epochs.',
  }),
  seed: int({ default: 0, doc: 'Seed for initialisation, dropout and shuffling.' }),
});
export type SasrecConfig = ConfigOf<typeof SasrecConfig>;

const NEG = -1e9;

/** The SASRec network: embeddings, blocks, final LayerNorm; scores are tied to the item table. */
export class SasrecNet extends Module {
  readonly itemEmb: Embedding;
  readonly posEmb: Embedding;
  readonly blocks: Block[] = [];
  readonly lnF: LayerNorm;
  /** Row of the item table used for padding. */
  readonly padIndex: number;

  constructor(
    readonly numItems: number,
    readonly cfg: SasrecConfig,
  ) {
    super();
    if (cfg.dModel % cfg.nHeads !== 0)
      throw new Error(`sasrec: dModel ${cfg.dModel} is not divisible by nHeads ${cfg.nHeads}`);
    this.padIndex = numItems;
    this.itemEmb = this.child('item_emb', new Embedding(numItems + 1, cfg.dModel, { std: cfg.embedInitStd }));
    this.posEmb = this.child('pos_emb', new Embedding(cfg.maxLen, cfg.dModel, { std: cfg.embedInitStd }));
    const bc: TransformerConfig = {
      vocabSize: numItems + 1,
      dModel: cfg.dModel,
      nHeads: cfg.nHeads,
      nLayers: cfg.nLayers,
      dFF: cfg.ffnMult * cfg.dModel,
      maxPositions: cfg.maxLen,
      dropout: cfg.dropout,
    };
    for (let i = 0; i < cfg.nLayers; i++) this.blocks.push(this.child(`blocks.${i}`, new Block(bc)));
    this.lnF = this.child('ln_f', new LayerNorm(cfg.dModel));
  }

  /** Final hidden states [N, T, D] for left-padded item indices `tokens` [N, T] (int64, padding = padIndex). */
  hidden(tokens: Tensor): Tensor {
    const t = tokens.size(1);
    if (t > this.cfg.maxLen) throw new Error(`sasrec: ${t} positions exceed maxLen ${this.cfg.maxLen}`);
    const pad = tokens.eq(this.padIndex); // [N, T]
    const pos = arange(t).add(this.cfg.maxLen - t); // last slot = position maxLen - 1
    let x = this.itemEmb
      .forward(tokens)
      .mul(Math.sqrt(this.cfg.dModel))
      .add(this.posEmb.forward(pos))
      .dropout(this.cfg.dropout, this.training);
    const future = arange(t).unsqueeze(0).gt(arange(t).unsqueeze(1)); // [T(q), T(k)]
    const bias = future.unsqueeze(0).logicalOr(pad.unsqueeze(1)).unsqueeze(1).to('float32').mul(NEG); // [N,1,T,T]
    for (const b of this.blocks) x = b.forward(x, bias).x;
    return this.lnF.forward(x);
  }

  /** Scores over all items for hidden states [..., D] → [..., numItems]. */
  scoresOf(h: Tensor): Tensor {
    return h.linear(this.itemEmb.weight.narrow(0, 0, this.numItems));
  }
}

/** One epoch's numbers. */
export interface SasrecEpochLog {
  epoch: number;
  loss: number;
  /** Validation score (NaN when there is no validation split or during the refit). */
  valid: number;
  seconds: number;
}

/** What {@link Sasrec.fit} did. */
export interface SasrecFitReport {
  /** Epoch (1-based) with the best validation score; with no validation split, the last epoch. */
  bestEpoch: number;
  bestValid: number;
  validMetric: string;
  /** Epochs run in the selection phase (≤ maxEpochs). */
  epochsRun: number;
  stoppedEarly: boolean;
  /** Epochs of the refit on train + valid (0 without refit). */
  refitEpochs: number;
  epochs: SasrecEpochLog[];
  refitLog: SasrecEpochLog[];
  seconds: number;
  numParameters: number;
}

/** Options for {@link Sasrec.fit} beyond the config. */
export interface SasrecFitOptions {
  /** Receives progress and per-epoch lines (default: stderr). */
  writer?: (line: string) => void;
  /** No output at all. */
  quiet?: boolean;
  /** Seconds between progress lines (default 10). */
  progressIntervalSec?: number;
}

function checkExamples(split: string, rows: readonly Example[], numItems: number): void {
  rows.forEach((e, r) => {
    const bad = (x: number): boolean => !Number.isSafeInteger(x) || x < 0 || x >= numItems;
    if (bad(e.target)) throw new Error(`sasrec: ${split} row ${r}: target ${e.target} is not in [0, ${numItems})`);
    for (const h of e.history)
      if (bad(h)) throw new Error(`sasrec: ${split} row ${r}: history item ${h} is not in [0, ${numItems})`);
  });
}

/** A trained (or trainable) SASRec recommender. Call {@link dispose} when done. */
export class Sasrec {
  net: SasrecNet;
  readonly cfg: SasrecConfig;

  constructor(
    readonly numItems: number,
    cfg: Partial<SasrecConfig> = {},
  ) {
    if (!Number.isSafeInteger(numItems) || numItems < 1)
      throw new Error(`sasrec: numItems must be a positive integer, got ${numItems}`);
    this.cfg = SasrecConfig.merge(SasrecConfig.defaults(), cfg);
    if (!higherIsBetter(this.cfg.validMetric))
      throw new Error(`sasrec: validMetric '${this.cfg.validMetric}' must be a higher-is-better metric`);
    this.net = this.freshNet();
  }

  private freshNet(): SasrecNet {
    manualSeed(this.cfg.seed);
    return new SasrecNet(this.numItems, this.cfg);
  }

  /** Left-padded int64 tokens [N, T] for histories (each cut to its latest maxLen items), T ≥ padTo. */
  private tokens(histories: readonly (readonly number[])[], padTo = 1): { tokens: Tensor; t: number } {
    const L = this.cfg.maxLen;
    let t = Math.min(L, Math.max(1, padTo));
    for (const h of histories) t = Math.max(t, Math.min(L, h.length));
    const data = new Int32Array(histories.length * t).fill(this.numItems);
    histories.forEach((h, i) => {
      const s = h.length > L ? h.slice(h.length - L) : h;
      for (let j = 0; j < s.length; j++) data[i * t + t - s.length + j] = s[j];
    });
    return { tokens: tensor(data, [histories.length, t], 'int64'), t };
  }

  /**
   * Scores [N, numItems] for the histories (caller owns the tensor; use inside `tidy`). `padTo` pads every
   * history to at least that many positions (capped at maxLen); the result does not depend on it.
   */
  scores(histories: readonly (readonly number[])[], padTo = 1): Tensor {
    const { tokens, t } = this.tokens(histories, padTo);
    return this.net.scoresOf(this.net.hidden(tokens).select(1, t - 1));
  }

  /** Top-`k` item lists (full ranking over all items, best first), one per example. */
  recommend(examples: readonly { history: readonly number[] }[], k: number): number[][] {
    if (!Number.isSafeInteger(k) || k < 1 || k > this.numItems)
      throw new Error(`sasrec: k must be an integer in [1, ${this.numItems}], got ${k}`);
    const out: number[][] = [];
    inEvalMode(this.net, () => {
      for (let s = 0; s < examples.length; s += this.cfg.evalBatchSize) {
        const batch = examples.slice(s, s + this.cfg.evalBatchSize);
        const idx = tidy(() =>
          noGrad(() =>
            this.scores(batch.map((e) => e.history))
              .topk(k, -1)[1]
              .toInt32(),
          ),
        );
        for (let i = 0; i < batch.length; i++) out.push(Array.from(idx.subarray(i * k, (i + 1) * k)));
      }
    });
    return out;
  }

  /** Validation score of the current weights. */
  private validate(valid: readonly Example[]): number {
    const m = parseMetric(this.cfg.validMetric);
    const k = Number.isFinite(m.k) ? Math.min(m.k, this.numItems) : this.numItems;
    const recs = this.recommend(valid, k);
    return evaluateRankings(
      recs,
      valid.map((e) => e.target),
      [m.name],
    ).mean[m.name];
  }

  /** One training step on a batch of windows; returns the loss. */
  private step(batch: readonly Example[], opt: ReturnType<typeof adamW>): number {
    return tidy(() => {
      const n = batch.length;
      const { tokens, t } = this.tokens(batch.map((e) => e.history));
      const h = this.net.hidden(tokens); // [N, T, D]
      let loss: Tensor;
      if (!this.cfg.trainOnPrefixes) {
        const y = tensor(
          batch.map((e) => e.target),
          [n],
          'int64',
        );
        loss = this.net.scoresOf(h.select(1, t - 1)).crossEntropy(y);
      } else {
        const L = this.cfg.maxLen;
        const y = new Int32Array(n * t).fill(-100);
        batch.forEach((e, i) => {
          const s = e.history.length > L ? e.history.slice(e.history.length - L) : e.history;
          const off = i * t + t - s.length;
          for (let j = 0; j + 1 < s.length; j++) y[off + j] = s[j + 1];
          y[i * t + t - 1] = e.target;
        });
        const logits = this.net.scoresOf(h).view([n * t, this.numItems]);
        loss = logits.crossEntropy(tensor(y, [n * t], 'int64'), { ignoreIndex: -100 });
      }
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
  }

  /** Trains `epochs` epochs (or until early stopping when `valid` is non-empty). */
  private trainLoop(
    train: readonly Example[],
    valid: readonly Example[],
    epochs: number,
    label: string,
    say: (line: string) => void,
    opts: SasrecFitOptions,
  ): { log: SasrecEpochLog[]; best: number; bestEpoch: number; stoppedEarly: boolean } {
    const cfg = this.cfg;
    const opt = adamW(this.net.parameters(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
    const rng = new Rng(cfg.seed).fork(`shuffle:${label}`);
    const steps = Math.ceil(train.length / cfg.batchSize);
    const progress = new Progress({
      total: epochs * steps,
      label: `sasrec ${label}`,
      unit: 'windows',
      intervalSec: opts.progressIntervalSec ?? 10,
      writer: opts.quiet ? () => undefined : say,
    });
    const order = Array.from({ length: train.length }, (_, i) => i);
    const log: SasrecEpochLog[] = [];
    let best = -Infinity;
    let bestEpoch = 0;
    let bestState: Map<string, Tensor> | null = null;
    let stoppedEarly = false;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const t0 = performance.now();
        this.net.train();
        rng.shuffle(order);
        let sum = 0;
        for (let s = 0; s < train.length; s += cfg.batchSize) {
          const batch = order.slice(s, s + cfg.batchSize).map((i) => train[i]);
          const loss = this.step(batch, opt);
          if (!Number.isFinite(loss)) throw new Error(`sasrec ${label}: loss became ${loss} in epoch ${epoch}`);
          sum += loss * batch.length;
          progress.update({ items: batch.length, loss });
        }
        const v = valid.length > 0 ? this.validate(valid) : NaN;
        releaseMemory(); // return the epoch's freed activations to the OS (glibc keeps them otherwise)
        const entry = { epoch, loss: sum / train.length, valid: v, seconds: (performance.now() - t0) / 1000 };
        log.push(entry);
        if (!opts.quiet)
          say(
            `[sasrec ${label}] epoch ${epoch} loss ${entry.loss.toFixed(4)}` +
              (valid.length > 0 ? ` valid ${cfg.validMetric} ${v.toFixed(4)}` : '') +
              ` (${entry.seconds.toFixed(1)}s)\n`,
          );
        if (valid.length === 0) {
          bestEpoch = epoch;
          continue;
        }
        if (v > best) {
          best = v;
          bestEpoch = epoch;
          if (bestState) for (const x of bestState.values()) x.dispose();
          bestState = tidy(() =>
            noGrad(() => new Map(this.net.namedParameters().map(([k, p]) => [k, keep(p.detach().clone())]))),
          );
        } else if (epoch - bestEpoch >= cfg.patience) {
          stoppedEarly = true;
          break;
        }
      }
      if (!opts.quiet) progress.finish();
      if (bestState) noGrad(() => this.net.loadStateDict(bestState as Map<string, Tensor>));
    } finally {
      if (bestState) for (const x of bestState.values()) x.dispose();
      opt.zeroGrad();
    }
    return { log, best: valid.length > 0 ? best : NaN, bestEpoch, stoppedEarly };
  }

  /**
   * Trains on `train`, selecting the epoch count by `valid` (early stopping; best weights restored). With
   * `cfg.refit` (and a non-empty `valid`), retrains from scratch on train + valid for the best epoch count.
   */
  fit(train: readonly Example[], valid: readonly Example[], opts: SasrecFitOptions = {}): SasrecFitReport {
    if (train.length === 0) throw new Error('sasrec: empty training split');
    checkExamples('train', train, this.numItems);
    checkExamples('valid', valid, this.numItems);
    const say = opts.writer ?? ((line: string) => void process.stderr.write(line));
    const t0 = performance.now();
    const { selected: sel, refitted } = selectThenRefit({
      trainWithValidation: () => this.trainLoop(train, valid, this.cfg.maxEpochs, 'select', say, opts),
      refit: this.cfg.refit && valid.length > 0,
      seed: this.cfg.seed,
      discard: () => this.net.dispose(),
      retrain: (epochs) => {
        this.net = new SasrecNet(this.numItems, this.cfg);
        return this.trainLoop([...train, ...valid], [], epochs, 'refit', say, opts).log;
      },
    });
    const refitLog: SasrecEpochLog[] = refitted ?? [];
    this.net.eval();
    return {
      bestEpoch: sel.bestEpoch,
      bestValid: sel.best,
      validMetric: parseMetric(this.cfg.validMetric).name,
      epochsRun: sel.log.length,
      stoppedEarly: sel.stoppedEarly,
      refitEpochs: refitLog.length,
      epochs: sel.log,
      refitLog,
      seconds: (performance.now() - t0) / 1000,
      numParameters: this.net.numParameters(),
    };
  }

  /** Frees the weights. */
  dispose(): void {
    this.net.dispose();
  }
}
