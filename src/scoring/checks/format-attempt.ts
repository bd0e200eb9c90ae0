import type { Attempt, Delivery } from "../../webhooks/delivery-log.js";
import { formatSimTime } from "../check-result.js";

/** Describes how an attempt ended: `500`, `timeout`, `connection refused`. */
export function describeAttemptResult(
  attempt: Pick<Attempt, "outcome" | "statusCode" | "error">,
): string {
  if (attempt.statusCode !== undefined) {
    return String(attempt.statusCode);
  }
  return attempt.error ?? attempt.outcome;
}

/** One evidence line for an attempt: delivery id, attempt number, simulated time and result. */
export function describeAttempt(delivery: Delivery, attempt: Attempt): string {
  return `${delivery.id} attempt ${attempt.number} at ${formatSimTime(attempt.startedAtMs)}: ${describeAttemptResult(attempt)}`;
}
