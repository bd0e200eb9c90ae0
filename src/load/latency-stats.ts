import * as hdr from "hdr-histogram-js";

/** Latency percentiles in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly p9999: number;
  readonly max: number;
  readonly mean: number;
}

/** Count of latencies in one bucket of the chart, bounds in microseconds. */
export interface LatencyBucket {
  readonly fromUs: number;
  readonly toUs: number;
  readonly count: number;
}

/** Largest latency the histograms track: one hour, in microseconds. Larger values are clamped. */
const HIGHEST_US = 3_600_000_000;
/** Chart buckets per power of two: 4 gives bucket bounds about 19 % apart. */
const BUCKETS_PER_OCTAVE = 4;

/**
 * An HDR histogram of latencies in whole microseconds (3 significant digits, 1 µs to 1 h),
 * plus coarse log-scale buckets for the chart of the HTML report.
 */
export class LatencyHistogram {
  readonly #histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
  readonly #buckets: number[] = [];

  /** Records one latency in microseconds. */
  record(latencyUs: number): void {
    const value = Math.min(HIGHEST_US, Math.max(1, Math.round(latencyUs)));
    this.#histogram.recordValue(value);
    const bucket = Math.floor(Math.log2(value) * BUCKETS_PER_OCTAVE);
    this.#buckets[bucket] = (this.#buckets[bucket] ?? 0) + 1;
  }

  summary(): LatencySummary {
    const histogram = this.#histogram;
    const count = histogram.totalCount;
    if (count === 0) {
      return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0, mean: 0 };
    }
    return {
      count,
      p50: histogram.getValueAtPercentile(50),
      p90: histogram.getValueAtPercentile(90),
      p99: histogram.getValueAtPercentile(99),
      p999: histogram.getValueAtPercentile(99.9),
      p9999: histogram.getValueAtPercentile(99.99),
      max: histogram.maxValue,
      mean: Math.round(histogram.mean),
    };
  }

  /** Returns the non-empty chart buckets, shortest latency first. */
  buckets(): LatencyBucket[] {
    const buckets: LatencyBucket[] = [];
    this.#buckets.forEach((count, index) => {
      if (count !== undefined && count > 0) {
        buckets.push({
          fromUs: Math.round(2 ** (index / BUCKETS_PER_OCTAVE)),
          toUs: Math.round(2 ** ((index + 1) / BUCKETS_PER_OCTAVE)),
          count,
        });
      }
    });
    return buckets;
  }

  /** Frees the histogram's memory; the instance is unusable afterwards. */
  destroy(): void {
    this.#histogram.destroy();
  }
}
