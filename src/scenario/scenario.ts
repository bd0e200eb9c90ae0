import type { Plan } from "../model/workspace.js";
import type { RetryPolicy } from "../webhooks/retry-policy.js";

/** A receiver outage relative to the start of the run. */
export interface ScenarioOutage {
  readonly name: string;
  /** Simulated milliseconds from the start of the run. */
  readonly offsetMs: number;
  readonly durationMs: number;
}

/** A validated scenario with defaults applied and durations in milliseconds. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Path of the file it was loaded from, for messages. */
  readonly source: string;
  readonly seed: number;
  /** Simulated epoch milliseconds of the start, or `undefined` for the wall clock at start. */
  readonly startMs: number | undefined;
  /** Simulated milliseconds of traffic. */
  readonly durationMs: number;
  /** Simulated seconds per real second. */
  readonly speed: number;
  readonly workspace: { readonly id: number; readonly plan: Plan; readonly links: number };
  readonly traffic: { readonly ratePerSecond: number; readonly trickyShare: number };
  readonly ingestionLagP99Ms: number;
  readonly attemptTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly duplicateShare: number;
  readonly outages: readonly ScenarioOutage[];
  /** Simulated milliseconds from the start at which signature probes are sent. */
  readonly probeOffsetsMs: readonly number[];
  readonly expectations: { readonly minAcceptedShare: number };
}
