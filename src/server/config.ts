// The server's configuration (`genrec serve --run DIR [--config serve.json] [--key value ...]`): every knob a typed,
// documented field with a default; unknown keys and bad values fail with the key's name (src/util/config.ts).
import { decoderNames } from '../decode/registry.js';
import { bool, ConfigError, defineConfig, int, num, oneOf, str, strList, type ConfigOf } from '../util/config.js';

export const ServeConfigDef = defineConfig('serve', {
  host: str({
    default: '127.0.0.1',
    nonEmpty: true,
    doc: "Address to listen on (loopback by default; '0.0.0.0' exposes the server to the network).",
  }),
  port: int({ default: 8080, min: 0, max: 65535, doc: 'TCP port (0 = any free port; the address is printed).' }),
  batchWindowMs: num({
    default: 5,
    min: 0,
    max: 1000,
    doc: 'Dynamic batching: how long the first queued request waits for others to decode with (milliseconds).',
  }),
  maxBatch: int({
    default: 32,
    min: 1,
    max: 1024,
    doc: 'Dynamic batching: the most requests decoded in one batched search (a full batch decodes at once; 1 = no batching).',
  }),
  maxQueue: int({
    default: 1024,
    min: 1,
    doc: 'Requests waiting to be decoded at most; beyond it a request gets 503 (bounded memory under overload).',
  }),
  decoders: strList({
    default: ['beam', 'greedy', 'sample'],
    minLength: 1,
    doc: `Decoders requests may choose (of ${decoderNames().join(', ')}). 'exact' is off by default: its best-first search can take seconds to minutes per request on title identifiers, and decoding blocks the server.`,
  }),
  maxBeamWidth: int({ default: 50, min: 1, doc: 'The largest beamWidth a request may ask for (400 above it).' }),
  maxHistory: int({
    default: 200,
    min: 1,
    doc: 'The most items a request history may list (400 above it; the model reads its most recent model.maxHistory).',
  }),
  maxSearchLimit: int({ default: 100, min: 1, doc: 'The largest limit of a title search (GET /v1/items?q=).' }),
  bodyLimitBytes: int({ default: 65536, min: 1024, doc: 'Largest request body in bytes (413 above it).' }),
  requestTimeoutMs: int({
    default: 30000,
    min: 1,
    doc: 'Time a client has to send a whole request (milliseconds; 408 after it; Node checks it every 30 s, so it is coarse).',
  }),
  shutdownTimeoutMs: int({
    default: 10000,
    min: 1,
    doc: 'On SIGTERM / SIGINT: how long in-flight requests may take to finish before the process exits with 1.',
  }),
  threads: int({ default: 0, min: 0, doc: 'libtorch threads (0 = one per core that is not busy, measured at start).' }),
  logLevel: oneOf(['info', 'warn', 'error', 'silent'], {
    default: 'info',
    doc: "Request log level on stdout ('info' logs every request; 'silent' nothing).",
  }),
  allowDataChange: bool({
    default: false,
    doc: 'Serve even when the data set now loads with another fingerprint than the run was trained on (warns).',
  }),
});

export type ServeConfig = ConfigOf<typeof ServeConfigDef>;

/** The configuration from layers (defaults < file < flags), each validated; decoders must be registered ones. */
export function resolveServeConfig(layers: { value: unknown; source: string }[]): ServeConfig {
  let cfg = ServeConfigDef.defaults();
  for (const l of layers) cfg = ServeConfigDef.merge(cfg, l.value, l.source);
  const names = decoderNames();
  for (const d of cfg.decoders) {
    if (!names.includes(d)) {
      throw new ConfigError(
        `serve.decoders: no decoder '${d}' (registered: ${names.join(', ')})`,
        'decoders',
        undefined,
      );
    }
  }
  return cfg;
}
