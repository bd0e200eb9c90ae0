/**
 * The simulated time source and timer service shared by every component.
 *
 * All times are simulated Unix epoch milliseconds, and all delays are simulated milliseconds.
 * Only the implementations in this folder touch `Date.now()`, `performance.now()` or the global
 * timers, so swapping the clock compresses time for the server, the dispatcher and the traffic
 * generator at once.
 */
export interface Clock {
  /** `real` follows the wall clock, `scaled` runs `speed` times faster, `virtual` moves only when advanced. */
  readonly mode: ClockMode;
  /** Simulated seconds per real second; `Infinity` for a virtual clock. */
  readonly speed: number;
  /** Returns the current simulated time in Unix epoch milliseconds. */
  now(): number;
  /** Calls `callback` once `delayMs` simulated milliseconds have passed. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type ClockMode = "real" | "scaled" | "virtual";

/** Opaque handle returned by `Clock.setTimer`. */
export interface TimerHandle {
  readonly id: number;
}
