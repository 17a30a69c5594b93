/**
 * /healthz probes from a worker thread of their own: the bench's main thread sends 40 MB bodies and
 * parses 20 MB answers, and a probe on that thread would time the bench's own stalls, not the
 * server's. `startProbe(url)` probes every `everyMs` until `stop()`, which gives the latencies of
 * the probes that got an answer and how many found the server down.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface ProbeResult {
  /** Milliseconds per answered probe, in order. */
  readonly times: number[];
  /** When each answered probe was sent (epoch ms), to place a slow one in the run. */
  readonly sentAt: number[];
  /** Probes that got no answer (the server down or restarting). */
  readonly failed: number;
}

export function startProbe(url: string, everyMs = 10): { ready: Promise<void>; stop(): Promise<ProbeResult> } {
  const worker = new Worker(__filename, { workerData: { url, everyMs } });
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const result = new Promise<ProbeResult>((resolve, reject) => {
    worker.on('message', (message: ProbeResult | 'ready') => (message === 'ready' ? ready() : resolve(message)));
    worker.once('error', reject);
  });
  return {
    /** Resolves once the thread probes: start the work to be probed after it. */
    ready: started,
    stop: async () => {
      worker.postMessage('stop');
      const out = await result;
      await worker.terminate();
      return out;
    },
  };
}

if (!isMainThread && parentPort) {
  const { url, everyMs } = workerData as { url: string; everyMs: number };
  let stopping = false;
  parentPort.on('message', () => (stopping = true));
  void (async () => {
    const times: number[] = [];
    const sentAt: number[] = [];
    let failed = 0;
    // The thread's first fetch loads the HTTP client: not the server's time.
    await fetch(url).then((r) => r.arrayBuffer(), () => undefined);
    parentPort!.postMessage('ready');
    while (!stopping) {
      const t = performance.now();
      const sent = Date.now();
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.ok) {
          times.push(performance.now() - t);
          sentAt.push(sent);
        } else failed++;
      } catch {
        failed++;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    parentPort!.postMessage({ times, sentAt, failed } satisfies ProbeResult);
  })();
}
