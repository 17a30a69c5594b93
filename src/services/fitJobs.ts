/**
 * Fit jobs: a fit of one stored graph's history runs in a worker thread of its own, at most
 * `workers` at a time (the rest wait, state "queued"), one per graph and kind (a second is 409).
 * Jobs live in memory (the last few per graph); the model a job fits is stored durably before the
 * job says "done", and a job that fails leaves the previous model serving.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { NarsolveError } from '../errors';
import { compiledWorker } from '../paths';
import type { ObservationKind } from '../store/types';
import type { FitInput, FitReport } from './fitting';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface FitJob {
  readonly id: string;
  readonly kind: ObservationKind;
  state: JobState;
  progress: number;
  readonly created: string;
  finished?: string;
  error?: string;
  report?: FitReport;
}

/** Jobs kept per graph once finished, newest first. */
export const KEPT_PER_GRAPH = 8;

export interface FitJobs {
  /** Queues a fit; `prepare` reads the history when the job starts, `store` keeps the result (false: the graph is gone). */
  start(graph: string, kind: ObservationKind, prepare: () => FitInput, store: (report: FitReport) => Promise<boolean>): FitJob;
  get(graph: string, jobId: string): FitJob | undefined;
  /** Waits for every running and queued job (shutdown, tests). */
  idle(): Promise<void>;
}

export function createFitJobs(workers = 1): FitJobs {
  const byGraph = new Map<string, FitJob[]>();
  const waiting: (() => void)[] = [];
  let running = 0;
  const pending = new Set<Promise<void>>();

  const run = (job: FitJob, prepare: () => FitInput, store: (report: FitReport) => Promise<boolean>): Promise<void> =>
    new Promise<void>((resolve) => {
      job.state = 'running';
      const fail = (message: string) => {
        Object.assign(job, { state: 'failed', error: message, finished: new Date().toISOString() });
        resolve();
      };
      let input: FitInput;
      try {
        input = prepare();
      } catch (error) {
        return fail((error as Error).message);
      }
      // The history columns move to the worker rather than being copied (nothing here reads them again).
      const { start, times, values } = input.series;
      const worker = new Worker(compiledWorker(__dirname, 'services/fitWorker.js'), { workerData: input, transferList: [start.buffer, times.buffer, values.buffer] as ArrayBuffer[] });
      worker.on('message', async (message: { progress?: number; report?: FitReport; error?: string }) => {
        if (message.progress !== undefined) job.progress = Math.min(0.99, message.progress);
        if (message.error !== undefined) fail(message.error);
        if (message.report) {
          try {
            if (!(await store(message.report))) return fail('the graph was deleted or replaced by a new one while it was being fitted');
            Object.assign(job, { state: 'done', progress: 1, report: message.report, finished: new Date().toISOString() });
            resolve();
          } catch (error) {
            fail(`the fitted model could not be stored: ${(error as Error).message}`);
          }
        }
      });
      worker.on('error', (error) => fail(`the fit worker failed: ${error.message}`));
      worker.on('exit', (code) => {
        if (job.state === 'running' && code !== 0) fail(`the fit worker exited with status ${code}`);
      });
    });

  const next = () => {
    while (running < workers && waiting.length) waiting.shift()!();
  };

  return {
    start(graph, kind, prepare, store) {
      const jobs = byGraph.get(graph) ?? [];
      const busy = jobs.find((j) => j.kind === kind && (j.state === 'queued' || j.state === 'running'));
      if (busy) throw new NarsolveError('Conflict', `a fit of this graph's ${kind} history is already ${busy.state} (job ${busy.id}); wait for it (GET /graphs/{graphId}/fit/${busy.id})`, { extensions: { job: busy.id } });
      const job: FitJob = { id: randomUUID(), kind, state: 'queued', progress: 0, created: new Date().toISOString() };
      byGraph.set(graph, [job, ...jobs].slice(0, KEPT_PER_GRAPH));
      const done = new Promise<void>((resolve) => {
        waiting.push(() => {
          running++;
          run(job, prepare, store).finally(() => {
            running--;
            resolve();
            next();
          });
        });
      });
      pending.add(done);
      done.finally(() => pending.delete(done));
      next();
      return job;
    },
    get: (graph, jobId) => byGraph.get(graph)?.find((j) => j.id === jobId),
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
