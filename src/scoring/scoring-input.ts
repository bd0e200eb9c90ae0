import type { ProbeResult } from "../faults/signature-probes.js";
import type { GroundTruth } from "../model/ground-truth.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import type { Observation } from "./observation.js";

/** A fault window in simulated epoch milliseconds, for evidence. */
export interface FaultWindow {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface ScoringExpectations {
  /** Minimum share, 0 to 1, of attempts that reached the receiver that must get a 2xx. */
  readonly minAcceptedShare: number;
}

/** Everything the checks judge: what happened on the wire and what the integration recorded. */
export interface ScoringInput {
  readonly groundTruth: GroundTruth;
  /** The deliveries to the endpoint under test, with every attempt. */
  readonly deliveries: readonly Delivery[];
  readonly probes: readonly ProbeResult[];
  readonly outages: readonly FaultWindow[];
  /** Clicks the integration recorded; `undefined` without `--observe`. */
  readonly observation: Observation | undefined;
  /** Reason the observation could not be read, when `--observe` was given and failed. */
  readonly observationError?: string;
  readonly expectations: ScoringExpectations;
}
