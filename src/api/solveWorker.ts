/**
 * A solve worker (see offload.ts): parses a big request, runs the same service the main thread
 * would, and hands back the serialized answer. Its learned solvers are proxies: each inference is
 * sent over the request's port to the main thread's learned pool.
 */
import type { MessagePort } from 'node:worker_threads';
import Piscina from 'piscina';
import type { Config } from '../config';
import { NarsolveError } from '../errors';
import type { SolveContext } from '../services/context';
import { warmUp } from '../services/validation';
import { LearnedQueueFull, requestPayload, SOLVER_NAMES, type InferOptions, type LearnedSolvers, type SolverName } from '../solvers/learned';
import type { WorkerTask } from '../solvers/learned/worker';
import { createStoredGraphs, type FitRead, type StoredGraphs } from '../services/storedGraphs';
import { openStore } from '../store/open';
import { parseJsonBody } from './body';
import { SOLVES, type DescribedLearned, type FitReadTask, type PortMessage, type SolveOutcome, type SolveTask, type StoredTask, type StoredWorkerOptions, type StoredWriteOutcome, type StoredWriteTask } from './offload';

const { config, learned: described, stored: storedOptions } = Piscina.workerData as { config: Config; learned: DescribedLearned; stored?: StoredWorkerOptions };
// Compile the request schemas as the worker starts, not on its first request.
warmUp('route-request.json');
warmUp('maxflow-request.json');

/** Learned solvers whose infer asks the main thread, over `port`, and honours the caller's signal. */
function proxiedLearned(port: MessagePort): LearnedSolvers {
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void; onStart?: () => void }>();
  port.on('message', (message: PortMessage) => {
    const call = pending.get(message.id);
    if (!call) return;
    if ('started' in message) return call.onStart?.();
    pending.delete(message.id);
    if ('result' in message) call.resolve(message.result);
    else if ('error' in message) call.reject(message.error.queueCapacity === undefined ? new Error(message.error.message) : new LearnedQueueFull(message.error.queueCapacity));
  });
  const infer = (task: WorkerTask, { signal, onStart }: InferOptions = {}): Promise<unknown> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      // The deadline is this thread's: on abort, stop waiting and tell the main thread to drop the inference.
      const onAbort = () => {
        pending.delete(id);
        port.postMessage({ id, cancel: true });
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      pending.set(id, { resolve: (value) => (done(), resolve(value)), reject: (error) => (done(), reject(error)), onStart });
      port.postMessage({ id, task } satisfies PortMessage);
    });
  };
  const proxy = (solver: SolverName) => {
    const { readiness, model } = described[solver];
    return model ? { readiness, model: { ...model, infer: (request: never, options?: InferOptions) => infer({ solver, request: requestPayload(solver, request) } as unknown as WorkerTask, options) } } : { readiness };
  };
  return { ...Object.fromEntries(SOLVER_NAMES.map((name) => [name, proxy(name)])), close: async () => {} } as unknown as LearnedSolvers;
}

/** Piscina's entry point: one request in, its serialized answer or problem out. */
export default async function solve(task: SolveTask): Promise<SolveOutcome> {
  const context: SolveContext = { config, learned: proxiedLearned(task.port), receivedAt: performance.now() - task.receivedAgoMs };
  return answered(task.port, async () => SOLVES[task.path](parseJsonBody(task.body), context));
}

/** A stored-graph worker's own stored-graph service, over its own connection to the store. */
let graphs: Promise<StoredGraphs> | undefined;

function storedGraphs(): Promise<StoredGraphs> {
  if (!storedOptions) throw new Error('stored: this worker was started without a store');
  const { store, dataDir, cacheGraphs } = storedOptions;
  return (graphs ??= openStore({ store, dataDir }).then((opened) => createStoredGraphs(opened, config, { cacheGraphs })));
}

/** The stored-graph worker's entry point: a query on a big stored graph, answered from this thread's cache. */
export async function stored(task: StoredTask): Promise<SolveOutcome> {
  const service = await storedGraphs();
  const context: SolveContext = { config, learned: proxiedLearned(task.port), receivedAt: performance.now() - task.receivedAgoMs };
  const { tenant, id, request } = task;
  return answered(task.port, () => (task.kind === 'route' ? service.route(tenant, id, request, context) : task.kind === 'maxflow' ? service.maxflow(tenant, id, request, context) : service.edges(tenant, id)));
}

/** What a fit of a big stored graph reads, read here: its columns move to the main thread, and on to the fit worker, uncopied. */
export async function fitRead(task: FitReadTask): Promise<FitRead> {
  const read = await (await storedGraphs()).fitInput(task.tenant, task.id, task.kind, task.options);
  const { from, to, known, series } = read.input;
  return Piscina.move({ [Piscina.transferableSymbol]: [from, to, known, series.start, series.times, series.values].map((column) => column.buffer), [Piscina.valueSymbol]: read } as never) as unknown as FitRead;
}

/** A big registration or batch: parsed, checked and stored here, off the event loop; the result (small) or the problem goes back. */
export async function storedWrite(task: StoredWriteTask): Promise<StoredWriteOutcome> {
  const service = await storedGraphs();
  try {
    const request = parseJsonBody(task.body);
    const value = task.kind === 'register' ? await service.register(task.tenant, task.id, request, task.expected) : await service.ingest(task.tenant, task.id, request);
    return { kind: 'result', value };
  } catch (error) {
    return problemOf(error);
  }
}

/** A NarsolveError as the problem outcome the main thread rebuilds it from (problemError); anything else is thrown on. */
function problemOf(error: unknown): Extract<SolveOutcome, { kind: 'problem' }> {
  if (!(error instanceof NarsolveError)) throw error;
  return { kind: 'problem', code: error.code, detail: error.message, errors: error.errors, extensions: error.extensions };
}

/** The answer as moved bytes, or the problem it was refused with. */
async function answered(port: MessagePort, work: () => Promise<{ code: string; solver?: { used: string; algorithm: string } }>): Promise<SolveOutcome> {
  try {
    const response = await work();
    // Encoded here and moved: a big answer (tens of MB) is neither copied nor encoded on the event loop.
    const bytes = new TextEncoder().encode(JSON.stringify(response));
    const outcome: SolveOutcome = { kind: 'answer', bytes, code: response.code, ...(response.solver && { solver: { used: response.solver.used, algorithm: response.solver.algorithm } }) };
    return Piscina.move({ [Piscina.transferableSymbol]: [bytes.buffer], [Piscina.valueSymbol]: outcome } as never) as unknown as SolveOutcome;
  } catch (error) {
    return problemOf(error);
  } finally {
    port.close();
  }
}
