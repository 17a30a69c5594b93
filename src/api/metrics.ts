import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LearnedSolvers } from '../solvers/learned';

/** The Prometheus metrics of one app; each app has its own registry so several can live in one process. */
export interface AppMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'method' | 'code'>;
  readonly duration: Histogram<'route'>;
  readonly solverUsed: Counter<'route' | 'solver' | 'algorithm'>;
}

/** Creates the registry and the request, latency, solver and learned-queue metrics. */
export function createMetrics(options: { defaultMetrics: boolean; learned?: LearnedSolvers }): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'narsolve_' });
  const queue = () => options.learned?.queue;
  // Read at scrape time from the queue's own counts, so the queue knows nothing of Prometheus.
  new Gauge({
    name: 'narsolve_learned_queue_inferences',
    help: 'Learned inferences now waiting for a worker (state="waiting") or running (state="running")',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'waiting' }, queue()?.waiting ?? 0);
      this.set({ state: 'running' }, queue()?.running ?? 0);
    },
  });
  new Gauge({
    name: 'narsolve_learned_queue_capacity',
    help: 'Most learned inferences that may wait (NARSOLVE_LEARNED_QUEUE)',
    registers: [registry],
    collect() {
      this.set(queue()?.capacity ?? 0);
    },
  });
  new Counter({
    name: 'narsolve_learned_queue_dropped_total',
    help: 'Learned inferences refused because the queue was full (reason="full") or dropped from it because the deadline passed or the client left (reason="abandoned")',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'full' }, queue()?.rejected ?? 0);
      this.inc({ reason: 'abandoned' }, queue()?.abandoned ?? 0);
    },
  });
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
