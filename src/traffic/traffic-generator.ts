import type { Scheduler } from "../clock/scheduler.js";
import type { Random } from "../model/random.js";
import type { Workspace } from "../model/workspace.js";
import type { ClickFactory } from "./click-factory.js";

export interface TrafficWindow {
  /** Simulated epoch milliseconds of the first possible click. */
  startMs: number;
  /** Simulated epoch milliseconds after which no click occurs. */
  endMs: number;
  /** Mean human clicks per simulated second. */
  ratePerSecond: number;
}

/**
 * Produces human clicks as a Poisson process: exponential gaps with mean 1 / rate. Each
 * arrival is one scheduled task, so traffic follows whatever clock the scheduler runs on.
 */
export class TrafficGenerator {
  readonly #scheduler: Scheduler;
  readonly #factory: ClickFactory;
  readonly #workspace: Workspace;
  readonly #random: Random;
  readonly #onClick: (click: ReturnType<ClickFactory["create"]>, occurredAtUs: number) => void;

  constructor(
    scheduler: Scheduler,
    workspace: Workspace,
    factory: ClickFactory,
    random: Random,
    onClick: (click: ReturnType<ClickFactory["create"]>, occurredAtUs: number) => void,
  ) {
    this.#scheduler = scheduler;
    this.#workspace = workspace;
    this.#factory = factory;
    this.#random = random;
    this.#onClick = onClick;
  }

  /** Schedules the clicks of `window`; each arrival schedules the next. */
  start(window: TrafficWindow): void {
    if (window.ratePerSecond <= 0 || window.endMs <= window.startMs) {
      return;
    }
    const meanGapMs = 1_000 / window.ratePerSecond;
    const scheduleNext = (fromMs: number): void => {
      const atMs = fromMs + this.#random.exponential(meanGapMs);
      if (atMs > window.endMs) {
        return;
      }
      this.#scheduler.at(Math.floor(atMs), () => {
        const occurredAtUs = Math.floor(atMs * 1_000);
        const link = this.#random.pick(this.#workspace.links);
        this.#onClick(this.#factory.create(link, occurredAtUs), occurredAtUs);
        scheduleNext(atMs);
      });
    };
    scheduleNext(window.startMs);
  }
}
