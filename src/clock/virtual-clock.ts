import type { Clock, TimerHandle } from "./clock.js";

interface PendingTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly callback: () => void;
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
  // A binary min-heap ordered by (dueMs, id): traffic puts thousands of timers here.
  readonly #heap: PendingTimer[] = [];
  // Ids of timers neither fired nor cleared; cleared timers stay in the heap until they surface.
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
    this.#push({ id, dueMs: this.#nowMs + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.#live.delete(handle.id);
  }

  /** Returns the due time of the earliest pending timer, or `undefined` when none is pending. */
  nextDueMs(): number | undefined {
    this.#dropCancelledHead();
    return this.#heap[0]?.dueMs;
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
      this.#dropCancelledHead();
      const head = this.#heap[0];
      if (head === undefined || head.dueMs > this.#nowMs) {
        return fired;
      }
      this.#pop();
      this.#live.delete(head.id);
      fired++;
      head.callback();
    }
    return fired;
  }

  #dropCancelledHead(): void {
    for (;;) {
      const head = this.#heap[0];
      if (head === undefined || this.#live.has(head.id)) {
        return;
      }
      this.#pop();
    }
  }

  #before(a: PendingTimer, b: PendingTimer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.id < b.id);
  }

  #push(timer: PendingTimer): void {
    const heap = this.#heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentTimer = heap[parent] as PendingTimer;
      if (!this.#before(timer, parentTimer)) {
        break;
      }
      heap[index] = parentTimer;
      index = parent;
    }
    heap[index] = timer;
  }

  #pop(): void {
    const heap = this.#heap;
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
      const leftTimer = heap[left];
      if (leftTimer !== undefined && this.#before(leftTimer, smallest)) {
        smallest = leftTimer;
        smallestIndex = left;
      }
      const rightTimer = heap[right];
      if (rightTimer !== undefined && this.#before(rightTimer, smallest)) {
        smallest = rightTimer;
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
