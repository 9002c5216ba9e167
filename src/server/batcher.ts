// Dynamic batching: requests queue by a batch key (decoder + settings); a key's queue is decoded in one batched
// call when it reaches maxBatch, or when the window after the first queued request closes. Decoding is synchronous
// (the main thread), so requests that arrive while a batch decodes wait for the next one; a queue longer than
// maxBatch is decoded one batch per turn of the event loop (first in, first out), each batch's answers sent first. A job without a key is
// decoded alone, at once. If a batch fails, its jobs are decoded one by one, so only the job at fault fails.

export interface BatcherOptions {
  /** How long the first queued job waits for others (ms). */
  windowMs: number;
  /** Most jobs per decode call (1 = every job alone). */
  maxBatch: number;
  /** Most jobs waiting; `submit` refuses more (QueueFullError). */
  maxQueue: number;
}

/** `submit` beyond maxQueue. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

interface Pending<J, R> {
  job: J;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class Batcher<J, R> {
  private readonly queues = new Map<string, Pending<J, R>[]>();
  private waiting = 0;
  private timer: NodeJS.Timeout | null = null;
  private solo = 0;

  constructor(
    private readonly opts: BatcherOptions,
    /** Decodes jobs of one key together: one result per job, in order. */
    private readonly decode: (jobs: J[]) => R[],
    /** Called after every decode call with its size and seconds. */
    private readonly onBatch: (size: number, seconds: number) => void = () => {},
  ) {}

  /** Jobs queued and not yet decoded. */
  get pending(): number {
    return this.waiting;
  }

  /** Queues `job` under `key` (null: decoded alone); resolves with its result. */
  submit(key: string | null, job: J): Promise<R> {
    if (this.waiting >= this.opts.maxQueue) {
      return Promise.reject(new QueueFullError(`the decode queue is full (${this.opts.maxQueue} requests waiting)`));
    }
    return new Promise<R>((resolve, reject) => {
      const k = key ?? `\0solo${this.solo++}`;
      let q = this.queues.get(k);
      if (q === undefined) this.queues.set(k, (q = []));
      q.push({ job, resolve, reject });
      this.waiting++;
      if (key === null || q.length >= this.opts.maxBatch) setImmediate(() => this.flushKey(k));
      else if (this.timer === null) this.timer = setTimeout(() => this.flushAll(), this.opts.windowMs);
    });
  }

  private flushAll(): void {
    this.timer = null;
    for (const k of [...this.queues.keys()]) this.flushKey(k);
  }

  /**
   * Decodes the first maxBatch jobs of a key; the rest (and jobs that arrive meanwhile) follow on the next turn of
   * the event loop, so that the answers of this batch are sent before the next one decodes.
   */
  private flushKey(key: string): void {
    const q = this.queues.get(key);
    if (q === undefined || q.length === 0) return;
    this.run(q.splice(0, this.opts.maxBatch));
    if (q.length > 0) setImmediate(() => this.flushKey(key));
    else this.queues.delete(key);
    if (this.queues.size === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private run(batch: Pending<J, R>[]): void {
    this.waiting -= batch.length;
    const t0 = performance.now();
    let results: R[];
    try {
      results = this.decode(batch.map((p) => p.job));
      if (results.length !== batch.length) throw new Error(`decode returned ${results.length} of ${batch.length}`);
    } catch (e) {
      if (batch.length === 1) {
        batch[0].reject(e);
        return;
      }
      // one job at fault must not fail the others: decode them one by one
      this.waiting += batch.length;
      for (const p of batch) this.run([p]);
      return;
    }
    this.onBatch(batch.length, (performance.now() - t0) / 1000);
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
