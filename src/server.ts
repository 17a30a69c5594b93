import pino from 'pino';
import { createApp } from './api/app';
import { loadConfig } from './config';
import { loadLearnedSolvers } from './solvers/learned';

/** Starts the HTTP service on PORT (default 8080) and stops cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const logger = pino({ name: 'narsolve', level: process.env.LOG_LEVEL ?? 'info' });
  const config = loadConfig();
  const learned = await loadLearnedSolvers({ workers: Number(process.env.NARSOLVE_LEARNED_WORKERS ?? 1) });
  for (const [kind, { readiness: status }] of [['route', learned.route], ['maxflow', learned.maxflow], ['noisy route', learned.noisyRoute], ['noisy max flow', learned.noisyMaxflow]] as const) {
    if (status.ready) logger.info({ solver: kind, version: status.version }, 'learned solver ready');
    else logger.warn({ solver: kind, reason: status.reason }, 'learned solver unavailable; answering with the classical solver');
  }
  const app = createApp({ limits: config.limits, tolerances: config.tolerances, learned, logger });
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '0.0.0.0';
  const server = app.listen(port, host, () => logger.info({ port, host, limits: config.limits }, 'narsolve listening'));
  // Outlive typical load-balancer idle timeouts, so a reused connection is never closed mid-request.
  server.keepAliveTimeout = Number(process.env.KEEP_ALIVE_TIMEOUT_MS ?? 65_000);
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'server failed to start');
    process.exit(1);
  });
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      learned.close().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
