import type { Random } from "../model/random.js";

/** The delay between a click at the edge and its visibility in analytics and webhooks. */
export interface IngestionLagOptions {
  /** 99th percentile of the lag in simulated milliseconds. Default: 5000, Elido's documented steady state. */
  p99Ms?: number;
}

/**
 * Draws ingestion lags from an exponential distribution whose 99th percentile is `p99Ms`
 * (mean = p99 / ln 100), so most clicks are visible within a second and a few take several.
 */
export class IngestionLag {
  readonly #meanMs: number;
  readonly #random: Random;

  constructor(random: Random, options: IngestionLagOptions = {}) {
    this.#random = random;
    this.#meanMs = (options.p99Ms ?? 5_000) / Math.log(100);
  }

  sampleMs(): number {
    return Math.round(this.#random.exponential(this.#meanMs));
  }
}
