import type { Scheduler } from "../clock/scheduler.js";
import type { Click } from "../model/click.js";
import type { Random } from "../model/random.js";
import type { Link, Workspace } from "../model/workspace.js";
import type { ClickFactory } from "./click-factory.js";
import {
  maxRateMultiplier,
  rateMultiplier,
  STEADY,
  type TrafficPattern,
  zipfCumulativeWeights,
} from "./traffic-pattern.js";

export interface TrafficWindow {
  /** Simulated epoch milliseconds of the first possible click. */
  startMs: number;
  /** Simulated epoch milliseconds after which no click occurs. */
  endMs: number;
  /** Mean clicks per simulated second, bots included, before the pattern's multiplier. */
  ratePerSecond: number;
  /** Default: steady. */
  pattern?: TrafficPattern;
  /** Share of clicks, 0 to 1, that come from bots and are filtered at the edge. Default: 0. */
  botShare?: number;
  /** Zipf exponent of link popularity; 0 spreads clicks evenly. Default: 0. */
  linkSkew?: number;
}

export interface TrafficSink {
  /** Receives a human click at its occurrence. */
  human(click: Click, occurredAtUs: number): void;
  /** Receives a click that bot filtering drops: it reaches the ground truth only. */
  bot(click: Click, occurredAtUs: number): void;
}

/**
 * Produces clicks as a Poisson process whose rate follows a pattern, by thinning: arrivals
 * are drawn at the pattern's peak rate and each is kept with probability rate(t) / peak. Each
 * arrival is one scheduled task, so traffic follows whatever clock the scheduler runs on.
 */
export class TrafficGenerator {
  readonly #scheduler: Scheduler;
  readonly #factory: ClickFactory;
  readonly #workspace: Workspace;
  readonly #random: Random;
  readonly #sink: TrafficSink;

  constructor(
    scheduler: Scheduler,
    workspace: Workspace,
    factory: ClickFactory,
    random: Random,
    sink: TrafficSink,
  ) {
    this.#scheduler = scheduler;
    this.#workspace = workspace;
    this.#factory = factory;
    this.#random = random;
    this.#sink = sink;
  }

  /** Schedules the clicks of `window`; each arrival schedules the next. */
  start(window: TrafficWindow): void {
    if (window.ratePerSecond <= 0 || window.endMs <= window.startMs) {
      return;
    }
    const pattern = window.pattern ?? STEADY;
    const peak = maxRateMultiplier(pattern);
    const meanGapMs = 1_000 / (window.ratePerSecond * peak);
    const botShare = window.botShare ?? 0;
    const links = this.#workspace.links;
    const cumulative = zipfCumulativeWeights(links.length, window.linkSkew ?? 0);

    const emit = (atMs: number): void => {
      // Draws happen in a fixed order for every arrival, so the stream repeats for a seed.
      const keep = this.#random.float() * peak < rateMultiplier(pattern, window.startMs, atMs);
      const isBot = this.#random.chance(botShare);
      const link = pickLink(links, cumulative, this.#random.float());
      if (!keep) {
        return;
      }
      const occurredAtUs = Math.floor(atMs * 1_000);
      const click = this.#factory.create(link, occurredAtUs);
      if (isBot) {
        this.#sink.bot(click, occurredAtUs);
      } else {
        this.#sink.human(click, occurredAtUs);
      }
    };
    // One task emits every arrival that is already due, then schedules the next one. A task
    // per arrival would fall behind on a scaled clock, where each timer costs at least a
    // millisecond of real time, i.e. `speed` milliseconds of simulated time.
    const scheduleAt = (firstMs: number): void => {
      this.#scheduler.at(Math.floor(firstMs), () => {
        let atMs = firstMs;
        for (;;) {
          emit(atMs);
          atMs += this.#random.exponential(meanGapMs);
          if (atMs > window.endMs) {
            return;
          }
          if (atMs > this.#scheduler.now()) {
            scheduleAt(atMs);
            return;
          }
        }
      });
    };
    const firstMs = window.startMs + this.#random.exponential(meanGapMs);
    if (firstMs <= window.endMs) {
      scheduleAt(firstMs);
    }
  }
}
function pickLink(links: readonly Link[], cumulative: readonly number[], draw: number): Link {
  // Binary search for the first cumulative weight above the draw.
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((cumulative[middle] as number) > draw) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return links[low] as Link;
}
