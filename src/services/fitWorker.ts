/**
 * A fit worker thread: one fit (services/fitting.ts) per thread, so a fit's seconds of arithmetic
 * never hold the event loop. It posts {progress} as it goes, then {report} or {error}, and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fit, type FitInput } from './fitting';

const input = workerData as FitInput;
try {
  const report = fit(input, (done) => parentPort!.postMessage({ progress: done }));
  parentPort!.postMessage({ report });
} catch (error) {
  parentPort!.postMessage({ error: (error as Error).message });
}
