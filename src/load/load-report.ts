import type { Calibration } from "./calibrate.js";
import type { TimelineSecond } from "./drive-load.js";
import type { ObservationSummary } from "./judge-observation.js";
import type { RequestCounts } from "./judge-responses.js";
import type { LatencyBucket, LatencySummary } from "./latency-stats.js";
import type { LoadCheck } from "./load-check.js";
import type { LoadLimit } from "./saturation.js";

/** The result of `elido-sim load`: what the JSON report contains and the renderers show. */
export interface LoadReport {
  readonly target: string;
  readonly mode: "fixed-rate" | "max-throughput";
  /** Requested requests per second in fixed-rate mode. */
  readonly targetRate: number | null;
  readonly connections: number;
  readonly warmupSeconds: number;
  /** Planned measured seconds, null when only `amount` bounded the run. */
  readonly durationSeconds: number | null;
  readonly amount: number | null;
  readonly seed: number;
  readonly duplicatesShare: number;
  readonly invalidShare: number;
  /** Why the run ended: duration reached, amount sent, max duration, or the error-rate abort. */
  readonly stopReason: string;
  readonly aborted: boolean;
  readonly wallSeconds: number;
  readonly requests: RequestCounts;
  readonly throughput: {
    /** Responses to requests sent inside the measured window (after the warmup). */
    readonly responses: number;
    readonly measuredSeconds: number;
    readonly perSecond: number;
    readonly timeline: readonly TimelineSecond[];
  };
  readonly latency: {
    readonly unit: "microseconds";
    /** From the write of each request to its complete response. */
    readonly serviceTime: LatencySummary;
    /** Fixed-rate mode: from each request's intended send time; null otherwise. */
    readonly fromIntendedStart: LatencySummary | null;
    readonly coordinatedOmission: string;
    readonly buckets: readonly LatencyBucket[];
  };
  readonly saturation: {
    readonly limit: LoadLimit;
    readonly explanation: string;
    readonly generatorCpuShare: number;
    readonly calibration: Calibration | null;
  };
  readonly observation: ObservationSummary | null;
  readonly checks: readonly LoadCheck[];
  /** True when the run completed and no check failed. */
  readonly passed: boolean;
}

/** Exit code of `elido-sim load` for a finished run: 0 passed, 1 a check failed or the run aborted. */
export function exitCodeOf(report: LoadReport): number {
  return report.passed ? 0 : 1;
}
