// The HTTP application (Fastify): routes, request validation against the JSON schemas of ./schemas.ts (no type
// coercion, unknown fields refused: a bad field is a 400 naming it), one JSON error shape, metrics per request, the
// OpenAPI document generated from the same schemas by @fastify/swagger. The model is attached once loaded
// (`setServing`): until then /readyz and the model's routes answer 503.
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { RunWithCatalogue } from '../pipeline/load-run.js';
import { codeVersion } from '../util/version.js';
import type { ServeConfig } from './config.js';
import { RequestError } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { Recommender } from './recommender.js';
import { routeSchemas, type ItemsQuery, type RecommendBody } from './schemas.js';

/** The server's lifecycle: loading (no model yet), serving, closing. */
export interface ServerState {
  recommender: Recommender | null;
  closing: boolean;
  /** The run directory served (for /readyz and errors). */
  dir: string;
}

export interface GenrecServer {
  app: FastifyInstance;
  state: ServerState;
  metrics: ServerMetrics;
  /** Attaches the loaded run: from now on the server is ready. */
  setServing(loaded: RunWithCatalogue): Recommender;
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** The request field a schema violation is about, and a message naming it. */
function describeValidation(issue: ValidationIssue, context: string | undefined): { field: string; message: string } {
  const path = issue.instancePath.split('/').filter(Boolean).join('.');
  const join = (k: string) => (path === '' ? k : `${path}.${k}`);
  if (issue.keyword === 'required') {
    const f = join(String(issue.params.missingProperty));
    return { field: f, message: `${f}: required` };
  }
  if (issue.keyword === 'additionalProperties') {
    const f = join(String(issue.params.additionalProperty));
    return { field: f, message: `${f}: unknown field` };
  }
  const field = path === '' ? (context ?? 'body') : path;
  return { field, message: `${field}: ${issue.message ?? issue.keyword}` };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};
const errorText = (status: number) => STATUS_TEXT[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');

export async function buildServer(cfg: ServeConfig, dir: string): Promise<GenrecServer> {
  const app = Fastify({
    logger: cfg.logLevel === 'silent' ? false : { level: cfg.logLevel },
    bodyLimit: cfg.bodyLimitBytes,
    requestTimeout: cfg.requestTimeoutMs,
    return503OnClosing: true,
    // strict: "10" is not a number and a misspelt field is an error, not silently dropped
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const metrics = new ServerMetrics();
  const state: ServerState = { recommender: null, closing: false, dir };
  const schemas = routeSchemas(cfg);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'genrec serve',
        version: codeVersion().string,
        description:
          'Generative recommendation from a trained genrec run. Errors are JSON: statusCode, error, message, and `field` (the offending request field) or `unknown` (item ids or titles not found).',
      },
    },
  });

  app.setErrorHandler((err: FastifyError | RequestError, req, reply) => {
    if (err instanceof RequestError) {
      return reply
        .code(err.status)
        .send({ statusCode: err.status, error: errorText(err.status), message: err.message, ...err.extra });
    }
    if (err.validation && err.validation.length > 0) {
      const { field, message } = describeValidation(err.validation[0] as ValidationIssue, err.validationContext);
      return reply.code(400).send({ statusCode: 400, error: errorText(400), message, field });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error(err);
      return reply.code(status).send({ statusCode: status, error: errorText(status), message: 'internal error' });
    }
    return reply.code(status).send({ statusCode: status, error: errorText(status), message: err.message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: errorText(404),
      message: `no route ${req.method} ${req.url.split('?')[0]} (see /openapi.json)`,
    }),
  );
  // while closing, a response ends its connection: kept-alive sockets would hold the close open
  app.addHook('onSend', (req, reply, payload, done) => {
    if (state.closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const serving = (): Recommender => {
    if (state.recommender === null) throw new RequestError(503, `the model of ${dir} is still loading`);
    return state.recommender;
  };

  app.post<{ Body: RecommendBody }>('/v1/recommend', { schema: schemas.recommend }, (req) =>
    serving().recommend(req.body),
  );
  app.post('/v1/recommend/list', { schema: schemas.recommendList }, () => {
    const task = serving().loaded.run.config.task;
    throw new RequestError(
      501,
      `list recommendation needs a list-task run; the run ${dir} is a '${task}' run (use POST /v1/recommend)`,
    );
  });
  app.get<{ Querystring: ItemsQuery }>('/v1/items', { schema: schemas.items }, (req) => {
    const { catalogue } = serving().loaded;
    const { ids, q, limit } = req.query;
    if ((ids === undefined) === (q === undefined)) {
      throw new RequestError(400, 'give exactly one of ids (comma-separated item ids) or q (a title search)', {
        field: ids === undefined ? 'ids' : 'q',
      });
    }
    const out = (items: readonly { rawId: string; title: string }[]) => ({
      items: items.map((it) => ({ id: it.rawId, title: it.title })),
    });
    if (ids !== undefined) {
      if (limit !== undefined) throw new RequestError(400, 'limit: only for a title search (q)', { field: 'limit' });
      const wanted = ids.split(',');
      const unknown = wanted.filter((id) => catalogue.byId(id) === undefined);
      if (unknown.length) {
        throw new RequestError(400, `ids: unknown item ids: ${unknown.join(', ')}`, { field: 'ids', unknown });
      }
      return out(wanted.map((id) => catalogue.byId(id)!));
    }
    const n = limit === undefined ? Math.min(20, cfg.maxSearchLimit) : Number(limit);
    if (n < 1 || n > cfg.maxSearchLimit) {
      throw new RequestError(400, `limit: must be between 1 and ${cfg.maxSearchLimit}, got ${limit}`, {
        field: 'limit',
      });
    }
    return out(catalogue.search(q!, n));
  });
  app.get('/healthz', { schema: schemas.healthz }, () => ({ status: 'ok' }));
  app.get('/readyz', { schema: schemas.readyz }, (req, reply) => {
    if (state.closing) return reply.code(503).send({ status: 'shutting down', run: dir });
    if (state.recommender === null) return reply.code(503).send({ status: 'loading', run: dir });
    return { status: 'ready', run: dir, task: state.recommender.loaded.run.config.task };
  });
  app.get('/metrics', { schema: schemas.metrics }, async (req, reply) => {
    metrics.queueDepth.set(state.recommender?.batcher.pending ?? 0);
    const { body, contentType } = await metrics.text();
    return reply.type(contentType).send(body);
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.ready();
  return {
    app,
    state,
    metrics,
    setServing(loaded) {
      state.recommender = new Recommender(loaded, cfg, metrics);
      return state.recommender;
    },
  };
}
