import type { CheckResult } from "./check-result.js";
import { checkDeliveriesAccepted } from "./checks/deliveries-accepted.js";
import { checkLedger } from "./checks/ledger-checks.js";
import { checkOutageGap } from "./checks/outage-gap.js";
import { checkSignatureProbes } from "./checks/probe-checks.js";
import type { ScoringInput } from "./scoring-input.js";

export interface Verdict {
  readonly checks: readonly CheckResult[];
  /** True when no check failed; `not_observed` checks do not fail a run. */
  readonly passed: boolean;
  /** The first failed check in the fixed order, named first in every report. */
  readonly firstFailure?: CheckResult;
  readonly counts: { readonly pass: number; readonly fail: number; readonly not_observed: number };
}

/** Runs every receiver check in a fixed order. */
export function scoreReceiver(input: ScoringInput): Verdict {
  const checks = [
    checkDeliveriesAccepted(input),
    ...checkSignatureProbes(input),
    checkOutageGap(input),
    ...checkLedger(input),
  ];
  const counts = { pass: 0, fail: 0, not_observed: 0 };
  for (const check of checks) {
    counts[check.status]++;
  }
  const firstFailure = checks.find((check) => check.status === "fail");
  return {
    checks,
    passed: firstFailure === undefined,
    ...(firstFailure === undefined ? {} : { firstFailure }),
    counts,
  };
}
