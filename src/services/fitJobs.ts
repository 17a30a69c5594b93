/**
 * Fit jobs: a fit of one stored graph's history runs in a worker thread of its own, at most
 * `workers` at a time in this process (the rest wait, state "queued"), one per graph and kind
 * across every replica of the store (a second is 409). Jobs are kept on the store's job board,
 * where every replica reads them; the process running one renews its lease, so a job whose process
 * died is reported failed rather than running forever. The model a job fits is stored durably before
 * the job says "done", and a job that fails leaves the previous model serving.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { NarsolveError } from '../errors';
import { compiledWorker } from '../paths';
import type { JobBoard, JobRecord, ObservationKind } from '../store/types';
import type { FitInput, FitReport } from './fitting';

/** A job as this process runs it: the board's record, its state fields updated as the fit goes, the report typed. */
export type FitJob = Pick<JobRecord, 'id' | 'kind' | 'created'> & Mutable<Pick<JobRecord, 'state' | 'progress' | 'finished' | 'error'>> & { report?: FitReport };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface FitJobs {
  /** Queues a fit; `prepare` reads the history when the job starts, `store` keeps the result (false: the graph is gone). */
  start(graph: string, kind: ObservationKind, prepare: () => Promise<FitInput>, store: (report: FitReport) => Promise<boolean>): Promise<FitJob>;
  get(graph: string, jobId: string): Promise<FitJob | undefined>;
  /** Waits for every running and queued job of this process (shutdown, tests). */
  idle(): Promise<void>;
}

/** How long a job's claim holds without renewal: a process that died mid-fit frees its graph this long after. */
export const FIT_LEASE_MS = 15_000;

export function createFitJobs(board: JobBoard, workers = 1, leaseMs = FIT_LEASE_MS): FitJobs {
  const waiting: (() => void)[] = [];
  let running = 0;
  const pending = new Set<Promise<void>>();

  /** Saves the job (best effort: a store outage must not kill the fit; the next save or renewal catches up). */
  const save = (graph: string, job: FitJob) => board.save(graph, { ...job }, leaseMs).catch(() => undefined);

  const run = (graph: string, job: FitJob, prepare: () => Promise<FitInput>, store: (report: FitReport) => Promise<boolean>): Promise<void> =>
    new Promise<void>((resolve) => {
      job.state = 'running';
      void save(graph, job);
      // The lease is renewed while the job runs, and progress published at the same pace.
      const renew = setInterval(() => void save(graph, job), Math.max(50, leaseMs / 3)).unref();
      const fail = (message: string) => {
        if (job.state === 'done' || job.state === 'failed') return;
        clearInterval(renew);
        Object.assign(job, { state: 'failed', error: message, finished: new Date().toISOString() });
        save(graph, job).finally(resolve);
      };
      let published = 0;
      const spawn = (input: FitInput) => {
        // The history columns move to the worker rather than being copied (nothing here reads them again).
        const { start, times, values } = input.series;
        const worker = new Worker(compiledWorker(__dirname, 'services/fitWorker.js'), { workerData: input, transferList: [start.buffer, times.buffer, values.buffer] as ArrayBuffer[] });
        worker.on('message', async (message: { progress?: number; report?: FitReport; error?: string }) => {
          if (message.progress !== undefined) {
            job.progress = Math.min(0.99, message.progress);
            // Published at most twice a second: a fit posts progress once per hour of history.
            if (Date.now() - published >= 500) {
              published = Date.now();
              void save(graph, job);
            }
          }
          if (message.error !== undefined) fail(message.error);
          if (message.report) {
            try {
              if (!(await store(message.report))) return fail('the graph was deleted or replaced by a new one while it was being fitted');
              clearInterval(renew);
              Object.assign(job, { state: 'done', progress: 1, report: message.report, finished: new Date().toISOString() });
              save(graph, job).finally(resolve);
            } catch (error) {
              fail(`the fitted model could not be stored: ${(error as Error).message}`);
            }
          }
        });
        worker.on('error', (error) => fail(`the fit worker failed: ${error.message}`));
        worker.on('exit', (code) => {
          if (job.state === 'running' && code !== 0) fail(`the fit worker exited with status ${code}`);
        });
      };
      prepare().then(spawn, (error: Error) => fail(error.message));
    });

  const next = () => {
    while (running < workers && waiting.length) waiting.shift()!();
  };

  return {
    async start(graph, kind, prepare, store) {
      const job: FitJob = { id: randomUUID(), kind, state: 'queued', progress: 0, created: new Date().toISOString() };
      const busy = await board.claim(graph, { ...job }, leaseMs);
      if (busy !== undefined) throw new NarsolveError('Conflict', `a fit of this graph's ${kind} history is already queued or running (job ${busy}); wait for it (GET /graphs/{graphId}/fit/${busy})`, { extensions: { job: busy } });
      // A queued job's lease is renewed too: it waits for a worker of this live process.
      const queued = setInterval(() => {
        if (job.state === 'queued') void save(graph, job);
      }, Math.max(50, leaseMs / 3)).unref();
      const done = new Promise<void>((resolve) => {
        waiting.push(() => {
          clearInterval(queued);
          running++;
          run(graph, job, prepare, store).finally(() => {
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
    get: async (graph, jobId) => (await board.get(graph, jobId)) as FitJob | undefined,
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
