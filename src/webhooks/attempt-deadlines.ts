import type { TimerHandle } from "../clock/clock.js";
import { RealClock } from "../clock/scaled-clock.js";

/** An attempt in the deadline list; the list manages `previous` and `next`. */
export interface DeadlineEntry {
  /** `performance.now()` milliseconds after which the attempt counts as timed out. */
  readonly deadlineMs: number;
  previous: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  /** Called once the deadline has passed while the entry was still in the list. */
  expire(): void;
}

/**
 * Attempts in flight, oldest first, each with its wall-clock deadline. Every attempt of a
 * sender has the same timeout, so deadlines come in the order attempts start, and one timer
 * for the oldest deadline serves them all instead of a timer per attempt.
 *
 * The attempt timeout is wall-clock on purpose, because the receiver responds in real time.
 */
export class AttemptDeadlines {
  readonly #clock = new RealClock();
  #head: DeadlineEntry | undefined;
  #tail: DeadlineEntry | undefined;
  #timer: TimerHandle | undefined;

  add(entry: DeadlineEntry): void {
    entry.previous = this.#tail;
    entry.next = undefined;
    if (this.#tail === undefined) {
      this.#head = entry;
    } else {
      this.#tail.next = entry;
    }
    this.#tail = entry;
    if (this.#timer === undefined) {
      this.#arm(entry.deadlineMs);
    }
  }

  /** Takes `entry` out of the list; does nothing when it is not in it. */
  remove(entry: DeadlineEntry): void {
    const { previous, next } = entry;
    if (previous === undefined) {
      if (this.#head !== entry) {
        return;
      }
      this.#head = next;
    } else {
      previous.next = next;
    }
    if (next === undefined) {
      this.#tail = previous;
    } else {
      next.previous = previous;
    }
    entry.previous = undefined;
    entry.next = undefined;
    if (this.#head === undefined) {
      // No attempt left to time out: a pending timer would keep the process alive.
      this.stop();
    }
  }

  stop(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimer(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(deadlineMs: number): void {
    // Whole milliseconds, rounded up: a timer that fires early would find nothing due.
    const delayMs = Math.max(1, Math.ceil(deadlineMs - performance.now()));
    this.#timer = this.#clock.setTimer(delayMs, () => this.#expire());
  }

  #expire(): void {
    this.#timer = undefined;
    const nowMs = performance.now();
    let head = this.#head;
    while (head !== undefined && head.deadlineMs <= nowMs) {
      this.remove(head);
      head.expire();
      head = this.#head;
    }
    if (head !== undefined && this.#timer === undefined) {
      this.#arm(head.deadlineMs);
    }
  }
}
