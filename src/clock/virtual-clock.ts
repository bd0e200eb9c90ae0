import type { Clock, TimerHandle } from "./clock.js";

interface PendingTimer {
  readonly id: number;
  readonly callback: () => void;
}

/** Timers due at one simulated time, in creation order. `next` is the index of the first not fired. */
interface DueBucket {
  timers: Array<PendingTimer | undefined>;
  next: number;
}

/**
 * A clock that stands still until it is moved. Timers fire in order of due time, then of
 * creation, so a run on a virtual clock is deterministic. `Scheduler` drives it.
 */
export class VirtualClock implements Clock {
  readonly mode = "virtual" as const;
  readonly speed = Number.POSITIVE_INFINITY;
  #nowMs: number;
  #nextId = 1;
  // Timers are grouped by due time, because a backlog or a burst of traffic sets thousands of
  // timers for the same millisecond. A binary min-heap orders the distinct due times.
  readonly #buckets = new Map<number, DueBucket>();
  readonly #dueTimes: number[] = [];
  // Ids of timers neither fired nor cleared. A cleared timer stays in its bucket until reached.
  readonly #live = new Set<number>();

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const id = this.#nextId++;
    this.#live.add(id);
    const dueMs = this.#nowMs + Math.max(0, delayMs);
    let bucket = this.#buckets.get(dueMs);
    if (bucket === undefined) {
      bucket = { timers: [], next: 0 };
      this.#buckets.set(dueMs, bucket);
      this.#push(dueMs);
    }
    bucket.timers.push({ id, callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.#live.delete(handle.id);
  }

  /** Returns the due time of the earliest pending timer, or `undefined` when none is pending. */
  nextDueMs(): number | undefined {
    return this.#head()?.dueMs;
  }

  /** Number of timers still pending. */
  get pendingCount(): number {
    return this.#live.size;
  }

  /**
   * Moves time forward to `targetMs` without firing anything. Moving backwards is an error,
   * because timers already fired could not be unfired.
   */
  setNow(targetMs: number): void {
    if (targetMs < this.#nowMs) {
      throw new RangeError(
        `Cannot move the virtual clock back from ${this.#nowMs} to ${targetMs} (epoch ms).`,
      );
    }
    this.#nowMs = targetMs;
  }

  /**
   * Fires timers due at or before the current time, in order, and returns how many fired.
   * Timers that fired timers set for the current time fire too, so `maxFires` bounds a task
   * that keeps rescheduling itself without delay.
   */
  fireDue(maxFires = Number.POSITIVE_INFINITY): number {
    let fired = 0;
    while (fired < maxFires) {
      const head = this.#head();
      if (head === undefined || head.dueMs > this.#nowMs) {
        return fired;
      }
      const { bucket } = head;
      const timer = bucket.timers[bucket.next] as PendingTimer;
      bucket.timers[bucket.next] = undefined;
      bucket.next++;
      // Fired timers leave the bucket, so a long burst keeps only the pending ones.
      if (bucket.next > 1024 && bucket.next * 2 > bucket.timers.length) {
        bucket.timers = bucket.timers.slice(bucket.next);
        bucket.next = 0;
      }
      this.#live.delete(timer.id);
      fired++;
      timer.callback();
    }
    return fired;
  }

  /** Returns the earliest live timer's bucket, dropping cleared timers and spent buckets. */
  #head(): { dueMs: number; bucket: DueBucket } | undefined {
    for (;;) {
      const dueMs = this.#dueTimes[0];
      if (dueMs === undefined) {
        return undefined;
      }
      const bucket = this.#buckets.get(dueMs) as DueBucket;
      const { timers } = bucket;
      while (
        bucket.next < timers.length &&
        !this.#live.has((timers[bucket.next] as PendingTimer).id)
      ) {
        bucket.next++;
      }
      if (bucket.next < timers.length) {
        return { dueMs, bucket };
      }
      this.#buckets.delete(dueMs);
      this.#pop();
    }
  }

  #push(dueMs: number): void {
    const heap = this.#dueTimes;
    heap.push(dueMs);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentMs = heap[parent] as number;
      if (dueMs >= parentMs) {
        break;
      }
      heap[index] = parentMs;
      index = parent;
    }
    heap[index] = dueMs;
  }

  #pop(): void {
    const heap = this.#dueTimes;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) {
      return;
    }
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = last;
      let smallestIndex = -1;
      const leftMs = heap[left];
      if (leftMs !== undefined && leftMs < smallest) {
        smallest = leftMs;
        smallestIndex = left;
      }
      const rightMs = heap[right];
      if (rightMs !== undefined && rightMs < smallest) {
        smallest = rightMs;
        smallestIndex = right;
      }
      if (smallestIndex === -1) {
        break;
      }
      heap[index] = smallest;
      index = smallestIndex;
    }
    heap[index] = last;
  }
}
