/**
 * Solves on the event loop start one per turn of the loop, in arrival order.
 *
 * Node reads every socket that is ready in one go, and each request's handler runs on to its first
 * wait; a small body is already read by then, so its whole solve runs before the next socket's
 * handler. A hundred requests that arrive together are then solved back to back before a liveness
 * probe that arrived among them is answered. Waiting for a turn here puts each solve in an
 * iteration of the loop of its own, and the loop serves what I/O is ready (probes, other sockets)
 * between two of them: a probe waits for one solve at most, not for all that arrived before it.
 */
export class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Resolves in a turn of the event loop of its own (after the I/O that is ready now). */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
    });
  }

  /** How many wait for a turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  // The released continuation runs in the microtask queue right after this callback; the next release
  // is an immediate queued while immediates run, so Node defers it to the loop's next iteration, past the poll for I/O.
  private readonly release = (): void => {
    this.waiting.shift()?.();
    if (this.waiting.length > 0) setImmediate(this.release);
    else this.scheduled = false;
  };
}
