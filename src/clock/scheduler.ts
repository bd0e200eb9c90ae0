import type { Clock, TimerHandle } from "./clock.js";
import { VirtualClock } from "./virtual-clock.js";

/** A unit of simulated work. A returned promise is tracked until it settles. */
export type Task = () => unknown;

export interface SchedulerOptions {
  /** Maximum events one `runUntil` or `runUntilQuiet` call may fire on a virtual clock. Default: 10 million. */
  maxEvents?: number;
  /** Receives errors thrown by tasks, which would otherwise stop the whole run. */
  onTaskError?: (error: unknown) => void;
}

/** Thrown when a drain loop hits its event limit, which usually means a task reschedules itself forever. */
export class SchedulerLoopLimitError extends Error {
  readonly code = "ELIDO_SIM_ERR_SCHEDULER_LOOP_LIMIT";
  constructor(maxEvents: number, atMs: number) {
    super(
      `Stopped after ${maxEvents} events at simulated time ${new Date(atMs).toISOString()}: ` +
        "the event queue did not drain. Raise maxEvents, or look for a task that reschedules itself " +
        "without moving time forward.",
    );
    this.name = "SchedulerLoopLimitError";
  }
}

/**
 * Runs timed tasks on a clock and tracks the asynchronous work they start.
 *
 * Traffic, ingestion, deliveries, retries, probes and faults are all tasks here, so one clock
 * decides for all of them. On a virtual clock, time moves only between steps, and each step
 * waits until the work started by the previous one (for example an HTTP attempt on loopback)
 * has settled: an attempt takes no simulated time, and the order of events is deterministic.
 */
export class Scheduler {
  readonly clock: Clock;
  readonly #maxEvents: number;
  readonly #onTaskError: (error: unknown) => void;
  #inflight = 0;
  #idleWaiters: Array<() => void> = [];
  /** An error thrown by `onTaskError`, raised by the next `idle()`. */
  #pendingError: { error: unknown } | undefined;
  readonly #scheduled = new Map<number, TimerHandle>();
  #quietWaiters: Array<() => void> = [];

  constructor(clock: Clock, options: SchedulerOptions = {}) {
    this.clock = clock;
    this.#maxEvents = options.maxEvents ?? 10_000_000;
    this.#onTaskError =
      options.onTaskError ??
      ((error) => {
        throw error;
      });
  }

  now(): number {
    return this.clock.now();
  }

  /** Schedules `task` at simulated time `timeMs`; a time in the past runs at the next step. */
  at(timeMs: number, task: Task): TimerHandle {
    return this.after(timeMs - this.clock.now(), task);
  }

  /** Schedules `task` after `delayMs` simulated milliseconds. */
  after(delayMs: number, task: Task): TimerHandle {
    const handle = this.clock.setTimer(delayMs, () => {
      this.#scheduled.delete(handle.id);
      this.#run(task);
      this.#notifyIfQuiet();
    });
    this.#scheduled.set(handle.id, handle);
    return handle;
  }

  cancel(handle: TimerHandle): void {
    if (this.#scheduled.delete(handle.id)) {
      this.clock.clearTimer(handle);
      this.#notifyIfQuiet();
    }
  }

  /** Tracks a promise of work that was started outside a scheduled task. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inflight++;
    // A counter and one reaction per promise, because a backlog of deliveries tracks tens of
    // thousands of attempts per second.
    promise.then(this.#onSettled, this.#onRejected);
    return promise;
  }

  /**
   * Marks the start of work that is neither a scheduled task nor a promise, and returns the
   * function that marks its end. Nothing checks how often it is called, and each call counts
   * one piece of work as done, so call it once.
   */
  hold(): () => void {
    this.#inflight++;
    return this.#onSettled;
  }

  /**
   * Passes an error of held work to `onTaskError`. If `onTaskError` throws, the next `idle()`
   * raises that error, as it does for a rejected tracked promise.
   */
  reportError(error: unknown): void {
    try {
      this.#onTaskError(error);
    } catch (thrown) {
      this.#pendingError ??= { error: thrown };
    }
  }

  /** Number of scheduled tasks that have not run yet. */
  get scheduledCount(): number {
    return this.#scheduled.size;
  }

  /** Number of tracked promises and held pieces of work that have not ended. */
  get inflightCount(): number {
    return this.#inflight;
  }

  /**
   * Resolves when every tracked promise has settled, including those added while waiting.
   * Rejects with the first error `onTaskError` threw since the last `idle()`.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#inflight > 0) {
        await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      }
      this.#throwPendingError();
      // One macrotask turn lets continuations of settled I/O schedule their follow-up work.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#throwPendingError();
      if (this.#inflight === 0) {
        return;
      }
    }
  }

  /** Runs every task due up to simulated time `targetMs`, then waits for their work to settle. */
  async runUntil(targetMs: number): Promise<void> {
    if (this.clock instanceof VirtualClock) {
      await this.#stepVirtual(this.clock, targetMs, false);
      return;
    }
    const waitMs = targetMs - this.clock.now();
    if (waitMs > 0) {
      await new Promise<void>((resolve) => this.clock.setTimer(waitMs, resolve));
    }
    await this.idle();
  }

  /**
   * Runs until no task is scheduled and no work is in flight, or until simulated time
   * `deadlineMs`, whichever comes first. Returns `true` when the run went quiet.
   */
  async runUntilQuiet(deadlineMs: number): Promise<boolean> {
    if (this.clock instanceof VirtualClock) {
      return this.#stepVirtual(this.clock, deadlineMs, true);
    }
    if (this.#isQuiet()) {
      return true;
    }
    const waitMs = Math.max(0, deadlineMs - this.clock.now());
    const quiet = await new Promise<boolean>((resolve) => {
      const deadline = this.clock.setTimer(waitMs, () => resolve(this.#isQuiet()));
      this.#quietWaiters.push(() => {
        this.clock.clearTimer(deadline);
        resolve(true);
      });
    });
    await this.idle();
    return quiet;
  }

  async #stepVirtual(
    clock: VirtualClock,
    targetMs: number,
    stopWhenQuiet: boolean,
  ): Promise<boolean> {
    let fired = 0;
    await this.idle();
    for (;;) {
      if (stopWhenQuiet && this.#isQuiet()) {
        return true;
      }
      const nextMs = clock.nextDueMs();
      if (nextMs === undefined || nextMs > targetMs) {
        break;
      }
      clock.setNow(Math.max(nextMs, clock.now()));
      fired += clock.fireDue(this.#maxEvents - fired);
      if (fired >= this.#maxEvents) {
        throw new SchedulerLoopLimitError(this.#maxEvents, clock.now());
      }
      await this.idle();
    }
    if (targetMs > clock.now()) {
      clock.setNow(targetMs);
    }
    return this.#isQuiet();
  }

  #run(task: Task): void {
    try {
      const result = task();
      if (result instanceof Promise) {
        this.track(result);
      }
    } catch (error) {
      this.#onTaskError(error);
    }
  }

  #isQuiet(): boolean {
    return this.#scheduled.size === 0 && this.#inflight === 0;
  }

  readonly #onSettled = (): void => {
    this.#inflight--;
    if (this.#inflight === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) {
        wake();
      }
    }
    this.#notifyIfQuiet();
  };

  readonly #onRejected = (error: unknown): void => {
    this.reportError(error);
    this.#onSettled();
  };

  #throwPendingError(): void {
    const pending = this.#pendingError;
    if (pending !== undefined) {
      this.#pendingError = undefined;
      throw pending.error;
    }
  }

  #notifyIfQuiet(): void {
    if (!this.#isQuiet() || this.#quietWaiters.length === 0) {
      return;
    }
    const waiters = this.#quietWaiters;
    this.#quietWaiters = [];
    for (const wake of waiters) {
      wake();
    }
  }
}
