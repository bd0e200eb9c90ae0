import type { CheckResult } from "./check-result.js";
import { checkWeight } from "./check-weights.js";
import { checkDeliveriesAccepted } from "./checks/deliveries-accepted.js";
import {
  checkLedgerMatchesGroundTruth,
  type GroundTruthLedgerInput,
} from "./checks/ground-truth-ledger.js";
import { checkLedger } from "./checks/ledger-checks.js";
import { checkOutageGap } from "./checks/outage-gap.js";
import {
  checkCursorsFollowed,
  checkPollerCoverage,
  checkPollerEfficiency,
  checkPollerLag,
  checkPollerSurvival,
  checkRetryAfterHonoured,
} from "./checks/poller-checks.js";
import { checkSignatureProbes } from "./checks/probe-checks.js";
import type { PollerScoringInput } from "./poller-input.js";
import type { ScoringInput } from "./scoring-input.js";

export interface Verdict {
  readonly checks: readonly CheckResult[];
  /** True when no check failed; `not_observed` checks do not fail a run. */
  readonly passed: boolean;
  /** The first failed check in the fixed order, named first in every report. */
  readonly firstFailure?: CheckResult;
  readonly counts: { readonly pass: number; readonly fail: number; readonly not_observed: number };
  /**
   * 0–100: the weight of the passed checks over the weight of all checks. A check that was
   * not observed earns nothing, because the run cannot vouch for it.
   */
  readonly score: number;
  /** Points out of 100 that went to checks that were not observed. */
  readonly unobservedPoints: number;
}

/** Builds the verdict of a list of checks in their fixed order. */
export function buildVerdict(checks: readonly CheckResult[]): Verdict {
  const counts = { pass: 0, fail: 0, not_observed: 0 };
  let totalWeight = 0;
  let passedWeight = 0;
  let unobservedWeight = 0;
  for (const check of checks) {
    counts[check.status]++;
    const weight = checkWeight(check.id);
    totalWeight += weight;
    if (check.status === "pass") {
      passedWeight += weight;
    } else if (check.status === "not_observed") {
      unobservedWeight += weight;
    }
  }
  const firstFailure = checks.find((check) => check.status === "fail");
  const toPoints = (weight: number) =>
    totalWeight === 0 ? 0 : Math.round((weight / totalWeight) * 100);
  return {
    checks,
    passed: firstFailure === undefined,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    counts,
    score: toPoints(passedWeight),
    unobservedPoints: toPoints(unobservedWeight),
  };
}

/** Runs every receiver check in a fixed order. */
export function scoreReceiver(input: ScoringInput): Verdict {
  return buildVerdict([
    checkDeliveriesAccepted(input),
    ...checkSignatureProbes(input),
    checkOutageGap(input),
    ...checkLedger(input),
  ]);
}

/** `receiver`: webhooks only; `poller`: the analytics API only; `hybrid`: webhooks plus reconciliation. */
export type IntegrationMode = "receiver" | "poller" | "hybrid";

export interface IntegrationScoringInput {
  readonly receiver?: ScoringInput;
  readonly poller?: PollerScoringInput;
  /** For hybrids: the receiver's ledger must end equal to the ground truth. */
  readonly hybrid?: GroundTruthLedgerInput;
}

/**
 * Runs the checks that apply to the integration in a fixed order: receiver checks, then
 * poller checks, then the end-state check of the ledger against the ground truth.
 */
export function scoreIntegration(input: IntegrationScoringInput): Verdict {
  const checks: CheckResult[] = [];
  if (input.receiver !== undefined) {
    checks.push(
      checkDeliveriesAccepted(input.receiver),
      ...checkSignatureProbes(input.receiver),
      checkOutageGap(input.receiver),
      ...checkLedger(input.receiver),
    );
  }
  if (input.poller !== undefined) {
    const poller = input.poller;
    checks.push(
      checkPollerCoverage(poller),
      checkCursorsFollowed(poller),
      checkRetryAfterHonoured(poller),
      checkPollerEfficiency(poller),
      checkPollerLag(poller),
      checkPollerSurvival(poller),
      checkLedgerMatchesGroundTruth({
        groundTruth: poller.groundTruth,
        endMs: poller.endMs,
        observation: poller.observation,
        ...(poller.observationError === undefined
          ? {}
          : { observationError: poller.observationError }),
      }),
    );
  }
  if (input.hybrid !== undefined) {
    checks.push(checkLedgerMatchesGroundTruth(input.hybrid));
  }
  return buildVerdict(checks);
}
