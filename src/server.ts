import { createServer } from 'node:http';
import pino from 'pino';
import { createApp } from './api/app';
import { createOffload } from './api/offload';
import { loadConfig, loadServerConfig } from './config';
import { NarsolveError } from './errors';
import { loadLearnedSolvers, MODELS, SOLVER_NAMES } from './solvers/learned';
import { createStoredGraphs } from './services/storedGraphs';
import { openStore } from './store/open';
import type { RedisStore } from './store/redis';

/**
 * Starts the HTTP service and stops it cleanly on SIGTERM/SIGINT: no new connections, idle keep-alive
 * connections closed at once, requests in flight answered (their inferences finish; no worker is
 * terminated while it infers), then the workers stop. Requests still running after
 * NARSOLVE_SHUTDOWN_GRACE_MS are logged as dropped and the exit status is 1 (running inferences still
 * finish first).
 */
async function main(): Promise<void> {
  const server = loadServerConfig();
  const config = loadConfig();
  const logger = pino({ name: 'narsolve', level: server.logLevel });
  const learned = await loadLearnedSolvers({ workers: server.learnedWorkers, maxQueue: server.learnedQueue });
  for (const name of SOLVER_NAMES) {
    const status = learned[name].readiness;
    if (status.ready) logger.info({ solver: name, model: MODELS[name].label, version: status.version }, 'learned solver ready');
    else logger.warn({ solver: name, model: MODELS[name].label, reason: status.reason }, 'learned solver unavailable; answering with the classical solver');
  }
  // Big requests are parsed, solved and serialized in worker threads, and big stored graphs queried in one, so /healthz and small requests stay fast.
  const offload = createOffload({
    workers: server.solveWorkers,
    thresholdBytes: server.offloadBytes,
    config,
    learned,
    stored: { store: server.store, dataDir: server.dataDir, cacheGraphs: server.graphCache, workers: server.storedWorkers, from: { edges: server.offloadEdges, observations: server.offloadObservations } },
  });
  const store = await openStore({
    store: server.store,
    dataDir: server.dataDir,
    onHealth: (health) => (health.ready ? logger.info({ store: health }, 'graph store connected') : logger.error({ store: health }, 'graph store unreachable: /readyz says not ready; /graphs answers 503')),
  });
  if (server.store === undefined) logger.info({ dataDir: server.dataDir, graphs: 'embedded (lmdb)' }, 'graph store open');
  else {
    const shared = store as RedisStore;
    // Not fatal: the replica starts not ready and serves whole-body requests until Redis answers.
    await shared.ready(5_000).catch((error: Error) => logger.error({ err: error.message }, 'graph store not reachable yet; retrying'));
    const durability = await shared.durability();
    const durable = 'appendonly' in durability && durability.appendonly === 'yes' && durability.appendfsync === 'always';
    (durable ? logger.info.bind(logger) : logger.warn.bind(logger))(
      { store: redactUrl(server.store), durability },
      durable ? 'graph store open (redis): every acknowledged write is fsynced' : 'graph store open (redis), but an acknowledged write survives a Redis restart only with appendonly yes and appendfsync always',
    );
  }
  if (server.apiKeys.length === 0) {
    logger.warn('no API keys configured (NARSOLVE_API_KEYS): /graphs serves one open tenant to every caller; production sets keys');
  }
  const graphs = createStoredGraphs(store, config, { cacheGraphs: server.graphCache, fitLeaseMs: server.fitLeaseMs });
  const app = createApp({ limits: config.limits, tolerances: config.tolerances, learned, logger, offload, graphs, apiKeys: server.apiKeys });
  let inFlight = 0;
  // Node checks the headers and request timeouts every connectionsCheckingInterval (30 s by default),
  // so a slow client would be cut up to that much late: check every second instead.
  const http = createServer(
    { headersTimeout: server.headersTimeoutMs, requestTimeout: server.requestTimeoutMs, keepAliveTimeout: server.keepAliveTimeoutMs, connectionsCheckingInterval: 1_000 },
    app,
  );
  http.keepAliveTimeout = server.keepAliveTimeoutMs;
  http.once('error', (error: Error) => {
    logger.fatal({ err: error, port: server.port, host: server.host }, `cannot listen on ${server.host}:${server.port}: ${error.message}`);
    process.exit(1);
  });
  http.listen(server.port, server.host, () => {
    logger.info({ port: server.port, host: server.host, limits: config.limits }, 'narsolve listening');
  });
  // Requests Node itself refuses (malformed HTTP, headers that never finish) get problem+json too, not an empty body.
  http.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const problem = new NarsolveError(timeout ? 'RequestTimeout' : 'InvalidInput', timeout ? 'the request did not arrive in time' : `the request is not valid HTTP (${error.code ?? error.message})`).toProblem();
    const body = JSON.stringify(problem);
    socket.end(`HTTP/1.1 ${problem.status} ${timeout ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  http.on('request', (_req, res) => {
    inFlight++;
    res.on('close', () => inFlight--);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight, graceMs: server.shutdownGraceMs }, 'shutting down: no new connections; answering the requests in flight');
    http.close();
    http.closeIdleConnections();
    const deadline = Date.now() + server.shutdownGraceMs;
    const drain = setInterval(() => {
      if (inFlight === 0) {
        clearInterval(drain);
        Promise.all([learned.close(), store.close()]).then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (error) => {
            logger.error({ err: error }, 'the learned solvers did not stop cleanly');
            process.exit(1);
          },
        );
      } else if (Date.now() >= deadline) {
        clearInterval(drain);
        logger.error({ dropped: inFlight }, `shutdown grace of ${server.shutdownGraceMs} ms passed with ${inFlight} request(s) in flight; exiting with status 1 once running inferences finish`);
        // Even now no worker is terminated mid-inference (that aborts the process); inferences are bounded by the serving limits.
        learned.close().finally(() => process.exit(1));
      }
    }, 25);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A store URL without its password, for the log. */
function redactUrl(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString();
}

main().catch((error: Error) => {
  // Configuration mistakes get one line that names the variable; anything else its stack.
  process.stderr.write(error.message.startsWith('config: ') ? `narsolve: ${error.message}\n` : `${error.stack ?? error}\n`);
  process.exit(1);
});
