import type { Clock, ClockMode, TimerHandle } from "./clock.js";

/**
 * A clock that runs `speed` times faster than the wall clock: one real second is `speed`
 * simulated seconds. A speed of 1 is the real clock.
 */
export class ScaledClock implements Clock {
  readonly mode: ClockMode;
  readonly speed: number;
  readonly #originSimMs: number;
  #originRealMs: number;
  /** Timers set while paused, armed on `resume()`; undefined once running. */
  #heldTimers: Array<() => void> | undefined;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #cancelledWhileHeld = new Set<number>();
  #nextId = 1;

  /**
   * @param speed simulated seconds per real second, finite and > 0
   * @param startMs simulated Unix epoch milliseconds at construction; defaults to the wall clock
   */
  constructor(speed: number, startMs: number = Date.now(), options: { paused?: boolean } = {}) {
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`Invalid clock speed ${speed}: expected a finite number > 0.`);
    }
    this.speed = speed;
    this.mode = speed === 1 ? "real" : "scaled";
    this.#originSimMs = startMs;
    this.#originRealMs = performance.now();
    this.#heldTimers = options.paused === true ? [] : undefined;
  }

  /**
   * Starts a clock created with `paused: true`: time stood at the start until now, so a run
   * does not lose simulated minutes while its processes start. Held timers are armed now.
   */
  resume(): void {
    const held = this.#heldTimers;
    if (held === undefined) {
      return;
    }
    this.#heldTimers = undefined;
    this.#originRealMs = performance.now();
    for (const arm of held) {
      arm();
    }
  }

  now(): number {
    if (this.#heldTimers !== undefined) {
      return this.#originSimMs;
    }
    return this.#originSimMs + (performance.now() - this.#originRealMs) * this.speed;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const id = this.#nextId++;
    if (this.#heldTimers !== undefined) {
      this.#heldTimers.push(() => this.#arm(id, delayMs, callback));
      return { id };
    }
    this.#arm(id, delayMs, callback);
    return { id };
  }

  #arm(id: number, delayMs: number, callback: () => void): void {
    if (this.#cancelledWhileHeld.delete(id)) {
      return;
    }
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
  }

  clearTimer(handle: TimerHandle): void {
    if (this.#heldTimers !== undefined) {
      this.#cancelledWhileHeld.add(handle.id);
      return;
    }
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
