import { FifoQueue } from "./fifo-queue.js";

/**
 * Limits how many attempts run at once per key (an endpoint id). Waiters are served in
 * arrival order, so deliveries queued at the same simulated time keep their order.
 */
export class ConcurrencyLimiter {
  readonly #limit: number;
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, FifoQueue<() => void>>();

  /** @param limit attempts allowed at once per key, >= 1 */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Invalid concurrency limit ${limit}: expected an integer >= 1.`);
    }
    this.#limit = limit;
  }

  /**
   * Runs `start` once a slot for `key` is free: at once when one is, else after the attempts
   * queued before it. Call `release(key)` when the work is done.
   */
  acquire(key: string, start: () => void): void {
    const running = this.#running.get(key) ?? 0;
    if (running < this.#limit) {
      this.#running.set(key, running + 1);
      start();
      return;
    }
    let queue = this.#waiting.get(key);
    if (queue === undefined) {
      queue = new FifoQueue<() => void>();
      this.#waiting.set(key, queue);
    }
    queue.push(start);
  }

  release(key: string): void {
    const next = this.#waiting.get(key)?.shift();
    if (next !== undefined) {
      // The slot passes straight to the next waiter, so the running count stays the same.
      // A microtask rather than a call: work that ends at once (a paused endpoint) would
      // otherwise release the next slot inside this one, a stack frame per queued attempt.
      queueMicrotask(next);
      return;
    }
    const running = (this.#running.get(key) ?? 1) - 1;
    if (running === 0) {
      this.#running.delete(key);
      this.#waiting.delete(key);
    } else {
      this.#running.set(key, running);
    }
  }

  /** Number of attempts waiting for a slot, over all keys. */
  get waitingCount(): number {
    let count = 0;
    for (const queue of this.#waiting.values()) {
      count += queue.size;
    }
    return count;
  }
}
