// The generative recommender: a decoder-only transformer that reads a user's history and
// generates the next item's identifier token by token.
//
// Sequence layout (one position per history item — short sequences make CPU training practical):
//
//   [ h_1 … h_H ]  [ BOS ]  [ c_1 … c_{L-1} ]        predicts  c_1 … c_L (c_L = EOS)
//    history items  start    target identifier tokens
//
// A list response (BLADE; src/decode/list/) continues after EOS with the next item's code, up to
// `responseItems` identifiers: the position table is sized for them.
//
// History items are left-padded to `maxHistory` (padding masked out of attention). Item i enters
// as  itemEmb[i] + mean(tokEmb[title tokens of i])  ('id+title', default), or one of the two terms
// ('id' / 'title'). The title-token embeddings are the same table as the generated tokens', so an
// item never seen in training still has a meaningful representation through its title.
import { Embedding, Module, cat, embedding, keep, tensor, type Tensor } from '../engine/index.js';
import { historyTokenBatch, type ItemIdentifier } from '../ids/types.js';
import { Transformer, selectCache, type ForwardResult, type KVCache } from './transformer.js';
import type { StepModel, StepResult } from '../decode/types.js';
import type { ModelConfig } from './config.js';

export interface EncodedHistory {
  /** [B, H] int64 item indices, left-padded with `numItems` (the padding row). */
  items: Tensor;
  /** [B, H] bool, true where padded. */
  padding: Tensor;
}

export class GenRecModel extends Module {
  readonly transformer: Transformer;
  readonly itemEmb: Embedding | null;
  /** [numItems + 1, T] int64 title tokens per item (row numItems = padding). */
  private readonly titleTokens: Tensor;
  /** [numItems + 1, 1] float32, 1 / number of title tokens (0 for padding / empty titles). */
  private readonly titleInvLen: Tensor;
  readonly numItems: number;

  constructor(
    readonly cfg: ModelConfig,
    readonly ids: ItemIdentifier,
  ) {
    super();
    this.numItems = ids.numItems;
    this.transformer = this.child(
      'transformer',
      new Transformer({
        vocabSize: ids.vocabSize,
        dModel: cfg.dModel,
        nHeads: cfg.nHeads,
        nLayers: cfg.nLayers,
        dFF: cfg.dFF,
        maxPositions: cfg.maxHistory + 1 + cfg.responseItems * ids.maxCodeLength,
        dropout: cfg.dropout,
      }),
    );
    this.itemEmb =
      cfg.historyRepr === 'title' ? null : this.child('item_emb', new Embedding(ids.numItems + 1, cfg.dModel));
    const T = cfg.historyTitleTokens;
    const all = Array.from({ length: ids.numItems }, (_, i) => i);
    const toks = new Int32Array((ids.numItems + 1) * T).fill(ids.specials.pad);
    toks.set(historyTokenBatch(ids, all, T));
    const inv = new Float32Array(ids.numItems + 1);
    for (let i = 0; i < ids.numItems; i++) {
      let n = 0;
      for (let t = 0; t < T; t++) if (toks[i * T + t] !== ids.specials.pad) n++;
      inv[i] = n > 0 ? 1 / n : 0;
    }
    this.titleTokens = keep(tensor(toks, [ids.numItems + 1, T], 'int64'));
    this.titleInvLen = keep(tensor(inv, [ids.numItems + 1, 1], 'float32'));
  }

  override dispose(): void {
    super.dispose();
    this.titleTokens.dispose();
    this.titleInvLen.dispose();
  }

  /** Left-pads histories (oldest first; the most recent `maxHistory` are kept). */
  encodeHistories(histories: ReadonlyArray<ReadonlyArray<number>>): EncodedHistory {
    const H = this.cfg.maxHistory;
    const B = histories.length;
    const items = new Int32Array(B * H).fill(this.numItems);
    const pad = new Uint8Array(B * H).fill(1);
    histories.forEach((h, b) => {
      const recent = h.length > H ? h.slice(h.length - H) : h;
      const off = b * H + (H - recent.length);
      for (let j = 0; j < recent.length; j++) {
        const it = recent[j];
        if (!(it >= 0 && it < this.numItems)) throw new RangeError(`history item ${it} outside [0, ${this.numItems})`);
        items[off + j] = it;
        pad[off + j] = 0;
      }
    });
    return { items: tensor(items, [B, H], 'int64'), padding: tensor(pad, [B, H], 'bool') };
  }

  /** [B, H, D] embeddings of history items (padding rows are zero for 'title', itemEmb[pad] otherwise). */
  embedHistory(items: Tensor): Tensor {
    const repr = this.cfg.historyRepr;
    let e: Tensor | null = null;
    if (repr !== 'id') {
      const toks = this.titleTokens.indexSelect(0, items.flatten()); // [B*H, T]
      const te = embedding(this.transformer.tokEmb.weight, toks); // [B*H, T, D]
      // padding tokens are the pad id: zero them by the per-token mask
      const tokMask = toks.ne(this.ids.specials.pad).unsqueeze(-1).to('float32');
      const mean = te.mul(tokMask).sum(1).mul(this.titleInvLen.indexSelect(0, items.flatten()));
      e = mean.view([...items.shape, this.cfg.dModel]);
    }
    if (this.itemEmb) {
      const ie = this.itemEmb.forward(items);
      e = e ? e.add(ie) : ie;
    }
    return e!;
  }

  /**
   * Teacher-forced logits for target identifiers: `targetIn` [B, L] holds BOS followed by the
   * first L-1 code tokens; returns logits [B, L, V] predicting code tokens 1..L.
   */
  forwardTrain(hist: EncodedHistory, targetIn: Tensor): Tensor {
    return this.forwardTrainHidden(hist, targetIn).logits;
  }

  /** {@link forwardTrain} that also returns the final hidden states of the target positions, [B, L, dModel]. */
  forwardTrainHidden(hist: EncodedHistory, targetIn: Tensor): { logits: Tensor; hidden: Tensor } {
    const H = this.cfg.maxHistory;
    const [B, L] = targetIn.shape;
    const x = cat([this.embedHistory(hist.items), this.transformer.embedTokens(targetIn)], 1);
    const keyPadding = cat([hist.padding, tensor(new Uint8Array(B * L), [B, L], 'bool')], 1);
    const r = this.transformer.forward(x, { keyPadding, logitsFrom: H });
    return { logits: r.logits, hidden: r.hidden.slice(1, H) };
  }

  /**
   * A decoding session over a batch of histories (implements the decoders' StepModel). With `hidden`, every step also
   * returns each row's final hidden state [N, dModel] (what the logits are read from), e.g. for a value head; with
   * `logits`, each row's raw logits [N, V] (whose log-softmax are the log-probs). `start` may be called again (it
   * re-encodes the histories). How
   * decoding ranks tokens ('full' / 'valid') is the decoder's setting, not the model's.
   */
  stepModel(histories: ReadonlyArray<ReadonlyArray<number>>, opts: StepModelOptions = {}): StepModel<GenRecState> {
    return new GenRecStepModel(this, histories, opts.hidden === true, opts.logits === true);
  }
}

export interface StepModelOptions {
  /** Also return each row's final hidden state (StepResult.hidden). Default false: nothing extra is kept. */
  hidden?: boolean;
  /** Also return each row's raw logits (StepResult.logits; a repetition penalty reads them). Default false. */
  logits?: boolean;
}

export interface GenRecState {
  cache: KVCache;
  keyPadding: Tensor;
}

class GenRecStepModel implements StepModel<GenRecState> {
  readonly vocabSize: number;
  constructor(
    private readonly m: GenRecModel,
    private readonly histories: ReadonlyArray<ReadonlyArray<number>>,
    private readonly withHidden: boolean,
    private readonly withLogits: boolean,
  ) {
    this.vocabSize = m.ids.vocabSize;
  }
  /**
   * The step's result from the forward at `pos` (the new position in `r`): the hidden state the forward computes
   * anyway, as a contiguous copy so that it does not keep the whole [N, T, d] buffer alive; absent unless asked.
   */
  private result(r: ForwardResult, pos: number, keyPadding: Tensor): StepResult<GenRecState> {
    const out: StepResult<GenRecState> = {
      logProbs: r.logits.select(1, 0).logSoftmax(-1),
      state: { cache: r.cache!, keyPadding },
    };
    if (this.withHidden) out.hidden = r.hidden.select(1, pos).contiguous();
    if (this.withLogits) out.logits = r.logits.select(1, 0);
    return out;
  }
  start(): StepResult<GenRecState> {
    const m = this.m;
    const hist = m.encodeHistories(this.histories);
    const U = this.histories.length;
    const bos = tensor(new Int32Array(U).fill(m.ids.specials.bos), [U, 1], 'int64');
    const x = cat([m.embedHistory(hist.items), m.transformer.embedTokens(bos)], 1);
    const keyPadding = cat([hist.padding, tensor(new Uint8Array(U), [U, 1], 'bool')], 1);
    const r = m.transformer.forward(x, { keyPadding, useCache: true, logitsFrom: m.cfg.maxHistory });
    return this.result(r, m.cfg.maxHistory, keyPadding);
  }
  advance(state: GenRecState, rows: Tensor, tokens: Tensor): StepResult<GenRecState> {
    const N = rows.shape[0];
    if (state.cache.length >= this.m.transformer.cfg.maxPositions) {
      throw new Error(
        `GenRec step model: the response outgrows the positions of model.responseItems = ${this.m.cfg.responseItems} identifiers`,
      );
    }
    const cache = selectCache(state.cache, rows);
    const keyPadding = cat([state.keyPadding.indexSelect(0, rows), tensor(new Uint8Array(N), [N, 1], 'bool')], 1);
    const r = this.m.transformer.forward(tokens.view([N, 1]), { cache, keyPadding });
    return this.result(r, 0, keyPadding);
  }
  /** Rows of several states with the same cache length gathered into one (exact top-K search uses it). */
  concat(parts: ReadonlyArray<{ state: GenRecState; rows: Tensor }>): GenRecState {
    const first = parts[0].state.cache;
    if (parts.some((p) => p.state.cache.length !== first.length)) throw new Error('concat: states differ in length');
    return {
      cache: {
        length: first.length,
        layers: first.layers.map((_, i) => ({
          k: cat(parts.map((p) => p.state.cache.layers[i].k.indexSelect(0, p.rows))),
          v: cat(parts.map((p) => p.state.cache.layers[i].v.indexSelect(0, p.rows))),
        })),
      },
      keyPadding: cat(parts.map((p) => p.state.keyPadding.indexSelect(0, p.rows))),
    };
  }
  dispose(state: GenRecState): void {
    for (const l of state.cache.layers) {
      l.k.dispose();
      l.v.dispose();
    }
    state.keyPadding.dispose();
  }
}
