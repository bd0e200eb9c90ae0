import type { Clock, ClockMode, TimerHandle } from "./clock.js";

/**
 * A clock that runs `speed` times faster than the wall clock: one real second is `speed`
 * simulated seconds. A speed of 1 is the real clock.
 */
export class ScaledClock implements Clock {
  readonly mode: ClockMode;
  readonly speed: number;
  readonly #originSimMs: number;
  readonly #originRealMs: number;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #nextId = 1;

  /**
   * @param speed simulated seconds per real second, finite and > 0
   * @param startMs simulated Unix epoch milliseconds at construction; defaults to the wall clock
   */
  constructor(speed: number, startMs: number = Date.now()) {
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`Invalid clock speed ${speed}: expected a finite number > 0.`);
    }
    this.speed = speed;
    this.mode = speed === 1 ? "real" : "scaled";
    this.#originSimMs = startMs;
    this.#originRealMs = performance.now();
  }

  now(): number {
    return this.#originSimMs + (performance.now() - this.#originRealMs) * this.speed;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const id = this.#nextId++;
    const realDelayMs = Math.max(0, delayMs) / this.speed;
    // Node clamps delays above 2^31-1 ms to 1 ms, so long waits are chained instead.
    const maxDelayMs = 2_147_483_647;
    const arm = (remainingMs: number): void => {
      const step = Math.min(remainingMs, maxDelayMs);
      const timer = setTimeout(() => {
        if (remainingMs > maxDelayMs) {
          arm(remainingMs - maxDelayMs);
          return;
        }
        this.#timers.delete(id);
        callback();
      }, step);
      this.#timers.set(id, timer);
    };
    arm(realDelayMs);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const timer = this.#timers.get(handle.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#timers.delete(handle.id);
    }
  }
}

/** A clock that follows the wall clock. */
export class RealClock extends ScaledClock {
  constructor(startMs: number = Date.now()) {
    super(1, startMs);
  }
}
