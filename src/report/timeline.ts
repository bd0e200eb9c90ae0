import type { RunResult } from "../scenario/run-scenario.js";

/** One row of the timeline: counts per bucket of simulated time. */
export interface TimelineSeries {
  readonly label: string;
  readonly color: string;
  readonly counts: readonly number[];
}

export interface Timeline {
  readonly startMs: number;
  readonly bucketMs: number;
  readonly buckets: number;
  readonly series: readonly TimelineSeries[];
  readonly windows: ReadonlyArray<{
    readonly name: string;
    readonly startMs: number;
    readonly endMs: number;
  }>;
  readonly markers: ReadonlyArray<{ readonly label: string; readonly atMs: number }>;
}

/** At most this many buckets, so the chart stays readable for runs of any length. */
const MAX_BUCKETS = 240;
const BUCKET_SIZES_MS = [
  10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000,
];

/**
 * Counts traffic, deliveries, failures, outage-blocked attempts and 429s per bucket of
 * simulated time, with the outage windows and probe times, for the HTML report.
 */
export function buildTimeline(result: RunResult): Timeline {
  const span = Math.max(1, result.endMs - result.startMs);
  const bucketMs = BUCKET_SIZES_MS.find((size) => span / size <= MAX_BUCKETS) ?? 86_400_000;
  const buckets = Math.max(1, Math.ceil(span / bucketMs));
  const counter = () => new Array<number>(buckets).fill(0);
  const clicks = counter();
  const delivered = counter();
  const failed = counter();
  const blocked = counter();
  const rateLimited = counter();
  const bump = (counts: number[], atMs: number) => {
    const bucket = index(atMs);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  };
  const index = (atMs: number) =>
    Math.min(buckets - 1, Math.max(0, Math.floor((atMs - result.startMs) / bucketMs)));

  for (const recorded of result.sim.groundTruth.all()) {
    if (!recorded.bot) {
      bump(clicks, recorded.occurredAtUs / 1000);
    }
  }
  for (const delivery of result.deliveries) {
    for (const attempt of delivery.attempts) {
      if (attempt.outcome === "success") {
        bump(delivered, attempt.startedAtMs);
      } else if (attempt.outcome === "unreachable") {
        bump(blocked, attempt.startedAtMs);
      } else {
        bump(failed, attempt.startedAtMs);
      }
    }
  }
  for (const entry of result.sim.requestLog.all()) {
    if (entry.statusCode === 429) {
      bump(rateLimited, entry.atMs);
    }
  }

  const markers = [...new Set(result.probes.map((probe) => probe.sentAtMs))].map((atMs) => ({
    label: "signature probes",
    atMs,
  }));
  return {
    startMs: result.startMs,
    bucketMs,
    buckets,
    series: [
      { label: "Human clicks", color: "#4c78a8", counts: clicks },
      { label: "Attempts answered 2xx", color: "#54a24b", counts: delivered },
      { label: "Attempts failed at the receiver", color: "#e45756", counts: failed },
      { label: "Attempts blocked by outages", color: "#9d755d", counts: blocked },
      { label: "API 429 responses", color: "#f58518", counts: rateLimited },
    ],
    windows: result.outages,
    markers,
  };
}
