import type { Random } from "../model/random.js";

/** The delay between a click at the edge and its visibility in analytics and webhooks. */
export interface IngestionLagOptions {
  /** 99th percentile of the lag in simulated milliseconds. Default: 5000, Elido's documented steady state. */
  p99Ms?: number;
}

/** A window of simulated time during which ingestion is slower, as during an incident. */
export interface IngestionLagSpike {
  /** Simulated epoch milliseconds, included: clicks occurring from then on. */
  readonly startMs: number;
  /** Simulated epoch milliseconds, excluded. */
  readonly endMs: number;
  /** 99th percentile of the lag of clicks occurring within the window, simulated milliseconds. */
  readonly p99Ms: number;
}

/**
 * Draws ingestion lags from an exponential distribution whose 99th percentile is `p99Ms`
 * (mean = p99 / ln 100), so most clicks are visible within a second and a few take several.
 */
export class IngestionLag {
  readonly #meanMs: number;
  readonly #random: Random;
  readonly #spikes: IngestionLagSpike[] = [];

  constructor(random: Random, options: IngestionLagOptions = {}) {
    this.#random = random;
    this.#meanMs = (options.p99Ms ?? 5_000) / Math.log(100);
  }

  /**
   * Draws the lag of a click that occurred at simulated time `occurredAtMs`. Within a spike the
   * spike's distribution replaces the steady one; the latest added spike wins where they overlap.
   */
  sampleMs(occurredAtMs?: number): number {
    const spike =
      occurredAtMs === undefined
        ? undefined
        : this.#spikes.findLast((s) => occurredAtMs >= s.startMs && occurredAtMs < s.endMs);
    const meanMs = spike === undefined ? this.#meanMs : spike.p99Ms / Math.log(100);
    return Math.round(this.#random.exponential(meanMs));
  }

  /** Adds a window of slower ingestion. */
  addSpike(spike: IngestionLagSpike): void {
    this.#spikes.push(Object.freeze({ ...spike }));
  }
}
