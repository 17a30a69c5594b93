/**
 * Fit jobs on the embedded store: records in an LMDB database of their own, each with the time its
 * lease runs out, written in the store's synced transactions. A job acknowledged (202) is therefore
 * still there after a restart; one that was queued or running when its process stopped is reported
 * failed once its lease lapses, exactly as on Redis, and its graph's kind is free for a new fit.
 */
import type { Database } from 'lmdb';
import { JOB_KEEP_DAYS, type JobBoard, type JobRecord } from './types';

/** A job as stored: its record and when its lease lapses (epoch ms) unless renewed. */
export interface StoredJob {
  readonly job: JobRecord;
  readonly leaseUntil: number;
}

const JOB_KEEP_MS = JOB_KEEP_DAYS * 24 * 60 * 60 * 1000;

const live = (job: JobRecord) => job.state === 'queued' || job.state === 'running';

/** The job as a reader should see it: one whose lease lapsed while it was live will never finish. */
function reported({ job, leaseUntil }: StoredJob, now: number): JobRecord {
  if (!live(job) || leaseUntil > now) return job;
  return { ...job, state: 'failed', error: 'the process running this fit stopped before it finished (its lease lapsed); start a new fit', finished: new Date(leaseUntil).toISOString() };
}

/**
 * embeddedJobBoard: `write` runs its callback as one synced transaction (EmbeddedStore's), so a
 * claim's check of the graph's live jobs and its record are atomic. `now` is the clock (tests).
 */
export function embeddedJobBoard(db: Database<StoredJob, [string, string]>, write: <T>(work: () => T) => Promise<T>, now: () => number = Date.now): JobBoard {
  const jobsOf = (graph: string) => [...db.getRange({ start: [graph, ''], end: [graph, '\uffff'] })];
  return {
    // Async, so that a closed store's synchronous throw is a rejection, as every store call's failure is.
    claim: async (graph, job, leaseMs) =>
      write(() => {
        const at = now();
        for (const { key, value } of jobsOf(graph)) {
          const seen = reported(value, at);
          if (seen.kind === job.kind && live(seen)) return seen.id;
          // Kept as long as Redis keeps a job; a lapsed one is written down as the failure it was.
          if (at - Date.parse(seen.finished ?? seen.created) > JOB_KEEP_MS) db.removeSync(key);
          else if (seen !== value.job) db.putSync(key, { job: seen, leaseUntil: value.leaseUntil });
        }
        db.putSync([graph, job.id], { job, leaseUntil: at + leaseMs });
        return undefined;
      }),
    save: async (graph, job, leaseMs) =>
      write(() => {
        // As on Redis, the record is always written (a process that was only slow may still finish
        // its job); a live job renews its lease, a finished one keeps the last.
        const at = now();
        db.putSync([graph, job.id], { job, leaseUntil: live(job) ? at + leaseMs : (db.get([graph, job.id])?.leaseUntil ?? at) });
      }),
    get: async (graph, jobId) => {
      const stored = db.get([graph, jobId]);
      return stored && reported(stored, now());
    },
  };
}
