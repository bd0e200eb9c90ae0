/** How the click rate varies over simulated time. */
export type TrafficPattern =
  | { readonly kind: "steady" }
  /** `multiplier` times the base rate for `durationMs` at the start of every `everyMs`. */
  | {
      readonly kind: "burst";
      readonly everyMs: number;
      readonly durationMs: number;
      readonly multiplier: number;
    }
  /** A 24-hour sine around the base rate, lowest at 04:00 UTC and highest at 16:00 UTC. */
  | { readonly kind: "diurnal"; readonly amplitude: number };

export const STEADY: TrafficPattern = Object.freeze({ kind: "steady" });

/** Returns the rate multiplier of `pattern` at simulated time `atMs`, for a run that starts at `startMs`. */
export function rateMultiplier(pattern: TrafficPattern, startMs: number, atMs: number): number {
  switch (pattern.kind) {
    case "steady":
      return 1;
    case "burst": {
      const intoCycle = (atMs - startMs) % pattern.everyMs;
      return intoCycle < pattern.durationMs ? pattern.multiplier : 1;
    }
    case "diurnal": {
      const dayMs = 86_400_000;
      const phase = ((atMs % dayMs) / dayMs) * 2 * Math.PI;
      // sin peaks at a quarter day past the zero crossing: 10:00 + 6 h = 16:00 UTC.
      return 1 + pattern.amplitude * Math.sin(phase - (10 / 24) * 2 * Math.PI);
    }
  }
}

/** Returns the largest multiplier `pattern` reaches, for thinning a Poisson process. */
export function maxRateMultiplier(pattern: TrafficPattern): number {
  switch (pattern.kind) {
    case "steady":
      return 1;
    case "burst":
      return Math.max(1, pattern.multiplier);
    case "diurnal":
      return 1 + pattern.amplitude;
  }
}

/**
 * Returns cumulative link weights following Zipf's law with exponent `skew`: link i has
 * weight 1 / (i + 1)^skew. A skew of 0 is uniform; 2 makes the first link take most clicks.
 */
export function zipfCumulativeWeights(linkCount: number, skew: number): number[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let index = 0; index < linkCount; index++) {
    total += 1 / (index + 1) ** skew;
    cumulative.push(total);
  }
  return cumulative.map((weight) => weight / total);
}
