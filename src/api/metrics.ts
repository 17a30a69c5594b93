import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one app; each app has its own registry so several can live in one process. */
export interface AppMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'code'>;
  readonly duration: Histogram<'route'>;
  readonly solverUsed: Counter<'route' | 'solver' | 'algorithm'>;
}

/** Creates the registry and the request, latency and solver metrics. */
export function createMetrics(options: { defaultMetrics: boolean }): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'narsolve_' });
  return {
    registry,
    requests: new Counter({
      name: 'narsolve_requests_total',
      help: 'HTTP requests by route, method and answer code',
      labelNames: ['route', 'method', 'code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'narsolve_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    solverUsed: new Counter({
      name: 'narsolve_solver_used_total',
      help: 'Answered solves by route, solver kind and algorithm',
      labelNames: ['route', 'solver', 'algorithm'],
      registers: [registry],
    }),
  };
}
