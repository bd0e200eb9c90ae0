import type { ApiFault } from "../faults/api-fault-plan.js";
import type { Plan } from "../model/workspace.js";
import type { TrafficPattern } from "../traffic/traffic-pattern.js";
import type { DeliveryProfileName, DeliveryProfileOverrides } from "../webhooks/profiles.js";
import type { RetryPolicy } from "../webhooks/retry-policy.js";

/** A receiver outage relative to the start of the run. */
export interface ScenarioOutage {
  readonly name: string;
  /** Simulated milliseconds from the start of the run. */
  readonly offsetMs: number;
  readonly durationMs: number;
}

/** A named window of simulated time relative to the start of the run. */
export interface ScenarioWindow {
  readonly name: string;
  /** Simulated milliseconds from the start of the run. */
  readonly offsetMs: number;
  readonly durationMs: number;
}

/** Delivery faults other than receiver outages, relative to the start of the run. */
export interface ScenarioDeliveryFaults {
  readonly duplicates: ReadonlyArray<
    ScenarioWindow & {
      readonly share: number;
      readonly concurrent: boolean;
      readonly delayMs: number;
    }
  >;
  readonly reorders: ReadonlyArray<
    ScenarioWindow & { readonly share: number; readonly maxDelayMs: number }
  >;
  readonly slowSuccesses: ReadonlyArray<ScenarioWindow & { readonly share: number }>;
  readonly backlogs: readonly ScenarioWindow[];
  readonly redeliveries: ReadonlyArray<{
    readonly name: string;
    readonly offsetMs: number;
    readonly share: number;
  }>;
}

/** Address, start command and observation source of one part of the integration under test. */
export interface IntegrationPart {
  readonly url?: string;
  readonly cmd?: string;
  readonly observe?: string;
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
  readonly traffic: {
    readonly ratePerSecond: number;
    readonly trickyShare: number;
    readonly pattern: TrafficPattern;
    readonly botShare: number;
    readonly linkSkew: number;
  };
  readonly ingestionLagP99Ms: number;
  readonly attemptTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly duplicateShare: number;
  readonly outages: readonly ScenarioOutage[];
  /** Simulated milliseconds from the start at which signature probes are sent. */
  readonly probeOffsetsMs: readonly number[];
  readonly expectations: {
    readonly minAcceptedShare: number;
    readonly minCoverage: number;
    readonly maxPollerLagP99Ms: number;
    readonly maxRequestsPerClick: number;
  };
  /** The integration under test as the file names it; command-line options override it. */
  readonly integration: {
    readonly receiver?: IntegrationPart;
    readonly poller?: IntegrationPart;
    readonly hybrid: boolean;
  };
  /** The delivery profile `retryPolicy` and `attemptTimeoutMs` were resolved from. */
  readonly profile: DeliveryProfileName;
  /** The webhook settings the file gave explicitly, which override any profile. */
  readonly webhookOverrides: DeliveryProfileOverrides;
  /** Failed attempts in a row that pause the endpoint, from the profile; undefined: never. */
  readonly pauseAfterConsecutiveFailures: number | undefined;
  readonly deliveryFaults: ScenarioDeliveryFaults;
  /** API faults with times relative to the start of the run; the runner shifts them. */
  readonly apiFaults: readonly ApiFault[];
}
