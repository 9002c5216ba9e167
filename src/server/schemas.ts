// The JSON schemas of the routes: Fastify validates requests against them (no type coercion, no silently dropped
// fields: see app.ts) and @fastify/swagger turns them into the OpenAPI document (GET /openapi.json).
import { decoderNames } from '../decode/registry.js';
import type { ItemRef } from '../pipeline/catalogue.js';
import type { TokenScoring } from '../decode/types.js';
import type { ServeConfig } from './config.js';

/** The body of POST /v1/recommend, as validated. */
export interface RecommendBody {
  history: string[];
  historyBy?: ItemRef;
  k?: number;
  decoder?: string;
  beamWidth?: number;
  scoring?: TokenScoring;
  temperature?: number;
  seed?: number;
  excludeHistory?: boolean;
}

/** The query of GET /v1/items, as validated (numbers arrive as digits). */
export interface ItemsQuery {
  ids?: string;
  q?: string;
  limit?: string;
}

const errorBody = {
  type: 'object',
  description: 'An error: `field` names the offending request field; `unknown` lists item ids or titles not found.',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string' },
    unknown: { type: 'array', items: { type: 'string' } },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

const item = {
  type: 'object',
  properties: { id: { type: 'string' }, title: { type: 'string' } },
  required: ['id', 'title'],
} as const;

const scoredItem = {
  type: 'object',
  properties: { ...item.properties, logProb: { type: 'number' } },
  required: ['id', 'title', 'logProb'],
} as const;

/** The route schemas for a server with configuration `cfg` (its limits appear in them). */
export function routeSchemas(cfg: ServeConfig) {
  const recommend = {
    summary: 'Recommend items for one history',
    description:
      "Decodes the next items for a history. Decoding settings the request leaves out come from the run's eval config (eval.decoder, max(eval.ks), max(k, eval.beamWidth), eval.scoring, eval.temperature, eval.sampleSeed); the response lists them under `defaulted`. A setting the chosen decoder does not read is refused (greedy reads only scoring and returns one item). Concurrent requests with the same decoder and settings are decoded in one batch; each gets what it would get alone. Sampling requests are never batched (each is seeded with its own seed).",
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['history'],
      properties: {
        history: {
          type: 'array',
          minItems: 1,
          maxItems: cfg.maxHistory,
          items: { type: 'string', minLength: 1, maxLength: 2000 },
          description:
            'Items the user interacted with, oldest first: raw item ids, or exact titles with historyBy "title". At least one item.',
        },
        historyBy: { type: 'string', enum: ['id', 'title'], description: 'How history names items (default "id").' },
        k: { type: 'integer', minimum: 1, description: 'Items wanted (at most the catalogue size).' },
        decoder: { type: 'string', enum: decoderNames(), description: 'Decoder (decode/registry.ts).' },
        beamWidth: { type: 'integer', minimum: 1, maximum: cfg.maxBeamWidth, description: 'Beam width (beam), ≥ k.' },
        scoring: { type: 'string', enum: ['full', 'valid'], description: 'Distribution ranked by.' },
        temperature: { type: 'number', minimum: 0, maximum: 100, description: 'Sampling temperature (sample).' },
        seed: { type: 'integer', minimum: 0, maximum: 2147483647, description: 'Sampling seed (sample).' },
        excludeHistory: { type: 'boolean', description: 'Never recommend an item of the history (default false).' },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: {
          items: { type: 'array', items: scoredItem },
          decoding: {
            type: 'object',
            description: 'The decoder and the settings it read, as used.',
            properties: {
              decoder: { type: 'string' },
              k: { type: 'integer' },
              beamWidth: { type: 'integer' },
              scoring: { type: 'string' },
              temperature: { type: 'number' },
              seed: { type: 'integer' },
            },
            required: ['decoder'],
          },
          defaulted: {
            type: 'array',
            items: { type: 'string' },
            description: "Settings not in the request, taken from the run's eval config.",
          },
          excludeHistory: { type: 'boolean' },
        },
        required: ['items', 'decoding', 'defaulted', 'excludeHistory'],
      },
      400: errorBody,
      503: errorBody,
    },
  } as const;

  const recommendList = {
    summary: 'Recommend a list (list-task runs)',
    description:
      "For runs of a list task. No such task exists yet: every run is a next-item run, so this answers 501 naming the run's task.",
    body: { type: 'object' },
    response: { 501: errorBody },
  } as const;

  const items = {
    summary: 'Look up items by id, or search titles',
    description:
      'Exactly one of `ids` (comma-separated raw ids; unknown ones are a 400 listing them) or `q` (case-insensitive substring of the title; at most `limit` items, in catalogue order).',
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ids: { type: 'string', minLength: 1, maxLength: 20000 },
        q: { type: 'string', minLength: 1, maxLength: 500 },
        limit: { type: 'string', pattern: '^[0-9]{1,6}$', description: `Default 20, at most ${cfg.maxSearchLimit}.` },
      },
    },
    response: {
      200: {
        type: 'object',
        properties: { items: { type: 'array', items: item } },
        required: ['items'],
      },
      400: errorBody,
      503: errorBody,
    },
  } as const;

  const status = {
    type: 'object',
    properties: { status: { type: 'string' }, run: { type: 'string' }, task: { type: 'string' } },
    required: ['status'],
  } as const;
  const healthz = { summary: 'Liveness: the process answers', response: { 200: status } } as const;
  const readyz = {
    summary: 'Readiness: 200 once the model is loaded, 503 while loading or shutting down',
    response: { 200: status, 503: status },
  } as const;
  const metrics = { summary: 'Prometheus metrics (text format)' } as const;
  return { recommend, recommendList, items, healthz, readyz, metrics };
}
