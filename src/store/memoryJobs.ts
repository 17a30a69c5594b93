/**
 * Fit jobs kept in this process: what one server with the embedded store needs. A restart forgets
 * the jobs (not the models they stored), and a lease cannot lapse while the process lives, so
 * `leaseMs` is not used here.
 */
import type { JobBoard, JobRecord } from './types';

/** Finished jobs kept per graph, newest first. */
export const KEPT_PER_GRAPH = 8;

export function memoryJobBoard(): JobBoard {
  const byGraph = new Map<string, JobRecord[]>();
  return {
    async claim(graph, job) {
      const jobs = byGraph.get(graph) ?? [];
      const busy = jobs.find((j) => j.kind === job.kind && (j.state === 'queued' || j.state === 'running'));
      if (busy) return busy.id;
      byGraph.set(graph, [job, ...jobs].slice(0, KEPT_PER_GRAPH));
      return undefined;
    },
    async save(graph, job) {
      const jobs = byGraph.get(graph) ?? [];
      byGraph.set(graph, jobs.map((j) => (j.id === job.id ? job : j)));
    },
    async get(graph, jobId) {
      return byGraph.get(graph)?.find((j) => j.id === jobId);
    },
  };
}
