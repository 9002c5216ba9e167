// `genrec serve`: listen first (so /healthz answers and /readyz says "loading"), then load the run, then serve; on
// SIGTERM or SIGINT stop accepting connections, let in-flight requests finish, free the model and exit 0 (1 if they
// do not finish within shutdownTimeoutMs).
import { loadRunWithCatalogue } from '../pipeline/load-run.js';
import { applyThreads } from '../pipeline/threads.js';
import { buildServer, type GenrecServer } from './app.js';
import type { ServeConfig } from './config.js';

export interface RunningServer extends GenrecServer {
  /** http://host:port */
  url: string;
  /** Stops accepting, waits for in-flight requests, frees the model (idempotent). */
  close(): Promise<void>;
}

/** Starts serving the run in `dir`; resolves once the model is loaded and the server ready. */
export async function serveRun(
  dir: string,
  cfg: ServeConfig,
  log: (line: string) => void = (l) => void process.stderr.write(l + '\n'),
): Promise<RunningServer> {
  applyThreads(cfg.threads, (l) => log(`genrec serve: ${l}`));
  const server = await buildServer(cfg, dir);
  const url = await server.app.listen({ host: cfg.host, port: cfg.port });
  log(`genrec serve: listening on ${url} (loading ${dir})`);
  await new Promise((r) => setImmediate(r)); // the listening socket is up before the (synchronous) load
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      server.state.closing = true;
      await server.app.close();
      server.state.recommender?.loaded.run.model.dispose();
    })());
  try {
    const loaded = loadRunWithCatalogue(dir, cfg.allowDataChange, log);
    server.setServing(loaded);
    log(
      `genrec serve: ready: ${dir} (${loaded.run.config.task}, ${loaded.datasetName}, ${loaded.catalogue.size} items); OpenAPI at ${url}/openapi.json`,
    );
  } catch (e) {
    await close();
    throw e;
  }
  return { ...server, url, close };
}

/** Exits the process after a graceful close on SIGTERM / SIGINT (see module comment). */
export function exitOnSignals(server: RunningServer, cfg: ServeConfig, log: (line: string) => void): void {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`genrec serve: ${signal}: no new connections; finishing in-flight requests`);
    setTimeout(() => {
      log(`genrec serve: in-flight requests did not finish within ${cfg.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, cfg.shutdownTimeoutMs).unref();
    server.close().then(
      () => {
        log('genrec serve: stopped');
        process.exit(0);
      },
      (e: unknown) => {
        log(`genrec serve: error while closing: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
