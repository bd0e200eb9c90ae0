import type { Attempt, Delivery } from "../../webhooks/delivery-log.js";
import { type CheckResult, capEvidence } from "../check-result.js";
import type { ScoringInput } from "../scoring-input.js";
import { describeAttempt, describeAttemptResult } from "./format-attempt.js";

/** Characters Go escapes in bodies; a receiver that hashes re-serialized JSON fails on them. */
const GO_ESCAPE_PATTERN = /\\u(003c|003e|0026|2028|2029)/;

/**
 * Valid deliveries are accepted: of the attempts that reached the receiver (not those blocked
 * by an injected outage), the share answered 2xx within the attempt timeout.
 */
export function checkDeliveriesAccepted(input: ScoringInput): CheckResult {
  const reached: Array<{ delivery: Delivery; attempt: Attempt }> = [];
  for (const delivery of input.deliveries) {
    for (const attempt of delivery.attempts) {
      if (attempt.outcome !== "unreachable") {
        reached.push({ delivery, attempt });
      }
    }
  }
  const base = { id: "deliveries-accepted", title: "Valid deliveries are accepted" };
  if (reached.length === 0) {
    return {
      ...base,
      status: "not_observed",
      summary: "no delivery attempt reached the receiver",
      evidence: [],
    };
  }

  const failed = reached.filter(({ attempt }) => attempt.outcome !== "success");
  const accepted = reached.length - failed.length;
  const share = accepted / reached.length;
  const minShare = input.expectations.minAcceptedShare;
  const byResult = new Map<string, number>();
  for (const { attempt } of failed) {
    const key = describeAttemptResult(attempt);
    byResult.set(key, (byResult.get(key) ?? 0) + 1);
  }
  const breakdown = [...byResult.entries()]
    .map(([result, count]) => `${count} × ${result}`)
    .join(", ");
  const summary =
    `${accepted}/${reached.length} attempts answered 2xx (${formatPercent(share)}, minimum ${formatPercent(minShare)})` +
    (failed.length > 0 ? `; failed: ${breakdown}` : "");
  const status = share >= minShare ? "pass" : "fail";
  return {
    ...base,
    status,
    summary,
    evidence: capEvidence(
      failed.map(({ delivery, attempt }) => describeAttempt(delivery, attempt)),
    ),
    ...(status === "fail" ? { hint: hintFor(failed, input.deliveries) } : {}),
    data: {
      attempts_reached: reached.length,
      attempts_accepted: accepted,
      share,
      min_share: minShare,
      failures: Object.fromEntries(byResult),
    },
  };
}

function hintFor(
  failed: ReadonlyArray<{ delivery: Delivery; attempt: Attempt }>,
  all: readonly Delivery[],
): string {
  const rejected = failed.filter(
    ({ attempt }) => (attempt.statusCode ?? 0) >= 400 && (attempt.statusCode ?? 0) < 500,
  );
  if (rejected.length > 0) {
    const escapedRejected = rejected.filter(({ delivery }) =>
      GO_ESCAPE_PATTERN.test(delivery.body),
    ).length;
    const escapedShare =
      all.filter((delivery) => GO_ESCAPE_PATTERN.test(delivery.body)).length / all.length;
    if (escapedRejected / rejected.length >= 0.8 && escapedShare < 0.5) {
      return (
        "Valid deliveries whose body contains \\u0026, \\u003c, \\u003e, \\u2028 or \\u2029 were rejected: " +
        "is the HMAC computed over re-serialized JSON instead of the raw body bytes?"
      );
    }
    return (
      "Valid deliveries were rejected with a 4xx: check that the HMAC-SHA256 is computed over " +
      '"<X-Webhook-Timestamp>.<raw body>" with the full secret string, whsec_ prefix included.'
    );
  }
  if (failed.some(({ attempt }) => attempt.outcome === "timeout")) {
    return "Attempts timed out: answer 2xx first and process the event afterwards, off the request path.";
  }
  return "The receiver answered with errors or dropped connections: look at its logs for the delivery ids listed.";
}

function formatPercent(share: number): string {
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}
