import { formatTimestampMs } from "../../model/click.js";
import type { Attempt, Delivery, FailureNotification } from "../../webhooks/delivery-log.js";

/** A delivery as the delivery log API lists it: no body, only its last attempt. */
export function publicDeliverySummary(delivery: Delivery) {
  const last = delivery.attempts.at(-1);
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    endpoint_id: delivery.endpointId,
    click_id: delivery.clickId ?? null,
    status: delivery.status,
    created_at: formatTimestampMs(delivery.createdAtMs),
    finished_at:
      delivery.finishedAtMs === undefined ? null : formatTimestampMs(delivery.finishedAtMs),
    attempt_count: delivery.attempts.length,
    failure_reason: delivery.failureReason ?? null,
    redelivery_of: delivery.redeliveryOf ?? null,
    last_attempt: last === undefined ? null : publicAttempt(last),
  };
}

/** A delivery with its exact body bytes and every attempt. */
export function publicDeliveryDetail(delivery: Delivery) {
  return {
    ...publicDeliverySummary(delivery),
    body: delivery.body,
    attempts: delivery.attempts.map(publicAttempt),
  };
}

export function publicAttempt(attempt: Attempt) {
  return {
    number: attempt.number,
    started_at: formatTimestampMs(attempt.startedAtMs),
    signature_timestamp: attempt.signatureTimestamp,
    outcome: attempt.outcome,
    status_code: attempt.statusCode ?? null,
    error: attempt.error ?? null,
    latency_ms: Math.round(attempt.latencyMs * 1_000) / 1_000,
    fault: attempt.fault ?? null,
    response_lost: attempt.responseLost ?? false,
    duplicate: attempt.duplicate ?? false,
    response_bytes: attempt.responseBytes ?? null,
    response_truncated: attempt.responseTruncated ?? false,
  };
}

export function publicNotification(notification: FailureNotification) {
  return {
    delivery_id: notification.deliveryId,
    event_id: notification.eventId,
    endpoint_id: notification.endpointId,
    failed_at: formatTimestampMs(notification.atMs),
    attempts: notification.attempts,
    reason: notification.reason,
    last_outcome: notification.lastOutcome,
  };
}
