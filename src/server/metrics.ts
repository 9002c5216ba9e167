// The server's Prometheus metrics (GET /metrics), on a registry of its own (several servers can live in one process,
// as in the tests): requests by route and status, errors, request latency, decode batch sizes and times, the decode
// queue, live engine tensors, and prom-client's process metrics (resident memory, CPU, event-loop lag, heap).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { liveTensors } from '../engine/index.js';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'genrec_http_requests_total',
    help: 'HTTP requests answered, by route, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'genrec_http_errors_total',
    help: "HTTP requests answered with an error, by route and class ('client' = 4xx, 'server' = 5xx).",
    labelNames: ['route', 'class'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'genrec_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by route.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'genrec_decode_batch_size',
    help: 'Requests decoded together in one batched search.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });
  private readonly batchSeconds = new Histogram({
    name: 'genrec_decode_batch_duration_seconds',
    help: 'Time of one batched decode call.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'genrec_decode_queue_depth',
    help: 'Requests waiting to be decoded.',
    registers: [this.registry],
  });

  constructor() {
    new Gauge({
      name: 'genrec_live_tensors',
      help: 'Tensors alive in the engine (the model weights plus anything not yet freed; flat when nothing leaks).',
      registers: [this.registry],
      collect() {
        this.set(liveTensors());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request (`route`: the route's pattern, or 'unmatched'). */
  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    if (status >= 400) this.errors.inc({ route, class: status >= 500 ? 'server' : 'client' });
    this.latency.observe({ route }, seconds);
  }

  /** One decode call of `size` requests. */
  batch(size: number, seconds: number): void {
    this.batchSize.observe(size);
    this.batchSeconds.observe(seconds);
  }

  /** The exposition text and its content type. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
