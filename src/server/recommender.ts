// POST /v1/recommend's work: resolve a request's history and decoding settings against the loaded run (400s name the
// field or list the unknown items), queue it in the dynamic batcher under its settings, and answer with ids, titles
// and log-probabilities. The batcher decodes a batch with the library's recommend (src/pipeline/recommend.ts).
import { describeUnresolved } from '../pipeline/catalogue.js';
import { DecodingError, resolveDecoding, type ResolvedDecoding } from '../pipeline/decoding.js';
import type { RunWithCatalogue } from '../pipeline/load-run.js';
import { recommend, type RecommendSettings } from '../pipeline/recommend.js';
import type { Hypothesis } from '../decode/types.js';
import { Batcher, QueueFullError } from './batcher.js';
import type { ServeConfig } from './config.js';
import { RequestError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import type { RecommendBody } from './schemas.js';

interface Job {
  history: number[];
  /** Items this user must not get (null: none). */
  exclude: number[] | null;
  settings: RecommendSettings;
}

export interface RecommendResponse {
  items: { id: string; title: string; logProb: number }[];
  decoding: ResolvedDecoding['effective'];
  defaulted: string[];
  excludeHistory: boolean;
}

/**
 * Requests decode together only with the same settings. Sampling is never batched: its draws come from libtorch's
 * one global generator, seeded per decode call, so a sample's draws would depend on its batch-mates.
 */
function batchKey(s: RecommendSettings): string | null {
  if (s.decoder === 'sample') return null;
  return JSON.stringify([s.decoder, s.topK, s.beamWidth, s.scoring]);
}

export class Recommender {
  readonly batcher: Batcher<Job, Hypothesis[]>;

  constructor(
    readonly loaded: RunWithCatalogue,
    private readonly cfg: ServeConfig,
    metrics: ServerMetrics,
  ) {
    this.batcher = new Batcher(
      { windowMs: cfg.batchWindowMs, maxBatch: cfg.maxBatch, maxQueue: cfg.maxQueue },
      (jobs) => this.decode(jobs),
      (size, seconds) => metrics.batch(size, seconds),
    );
  }

  /** One batch of jobs with the same settings, in one batched search. */
  private decode(jobs: Job[]): Hypothesis[][] {
    const settings = { ...jobs[0].settings, chunkUsers: jobs.length };
    const exclude = jobs.some((j) => j.exclude !== null) ? jobs.map((j) => j.exclude ?? []) : undefined;
    return recommend(
      this.loaded.run.model,
      jobs.map((j) => j.history),
      settings,
      undefined,
      exclude,
    );
  }

  async recommend(body: RecommendBody): Promise<RecommendResponse> {
    const { catalogue, run } = this.loaded;
    const by = body.historyBy ?? 'id';
    const resolved = catalogue.resolve(body.history, by);
    if (resolved.unknown.length || resolved.ambiguous.length) {
      throw new RequestError(400, `history: ${describeUnresolved(resolved, by)}`, {
        field: 'history',
        unknown: [...resolved.unknown, ...resolved.ambiguous.map((a) => a.title)],
      });
    }
    let decoding: ResolvedDecoding;
    try {
      decoding = resolveDecoding(run.config.eval, body, {
        numItems: catalogue.size,
        maxBeamWidth: this.cfg.maxBeamWidth,
        decoders: this.cfg.decoders,
      });
    } catch (e) {
      if (e instanceof DecodingError) {
        const message = e.message.startsWith(`${e.field} `) ? e.message : `${e.field}: ${e.message}`;
        throw new RequestError(400, message, { field: e.field });
      }
      throw e;
    }
    const excludeHistory = body.excludeHistory ?? false;
    if (excludeHistory && new Set(resolved.items).size >= catalogue.size) {
      throw new RequestError(400, 'excludeHistory: the history holds every item of the catalogue; none is left', {
        field: 'excludeHistory',
      });
    }
    let hyps: Hypothesis[];
    try {
      hyps = await this.batcher.submit(batchKey(decoding.settings), {
        history: resolved.items,
        exclude: excludeHistory ? resolved.items : null,
        settings: decoding.settings,
      });
    } catch (e) {
      if (e instanceof QueueFullError) throw new RequestError(503, e.message);
      throw e;
    }
    return {
      items: hyps.map((h) => ({
        id: catalogue.items[h.item].rawId,
        title: catalogue.items[h.item].title,
        logProb: h.logProb,
      })),
      decoding: decoding.effective,
      defaulted: decoding.defaulted,
      excludeHistory,
    };
  }
}
