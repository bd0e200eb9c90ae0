/** Outcome of an attempt: `success`, or the reason it failed. */
export type AttemptOutcome =
  | "success"
  | "http_error"
  | "redirect"
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "network_error"
  | "unreachable";

/** Why a delivery failed for good: the outcome of its last attempt, or a paused endpoint. */
export type FailureReason = AttemptOutcome | "endpoint_paused";

export interface Attempt {
  /** 1-based attempt number, sent as `X-Webhook-Attempt`. */
  readonly number: number;
  /** Simulated epoch milliseconds at which the attempt started. */
  readonly startedAtMs: number;
  /** The `X-Webhook-Timestamp` the attempt was signed with: wall-clock Unix seconds. */
  readonly signatureTimestamp: number;
  readonly outcome: AttemptOutcome;
  /** HTTP status, when the receiver sent a response. */
  readonly statusCode?: number;
  /** Error message for outcomes without a status. */
  readonly error?: string;
  /** Wall-clock milliseconds from sending the request to the end of the response, or to the failure. */
  readonly latencyMs: number;
  /**
   * True when the receiver answered 2xx but an injected fault dropped the answer on its way
   * back, so the dispatcher retried a delivery the receiver had processed.
   */
  readonly responseLost?: boolean;
  /** Name of the injected fault that shaped this attempt, if any. */
  readonly fault?: string;
  /** Response body bytes read before the rest was discarded. */
  readonly responseBytes?: number;
  /** True when the body was longer than the read cap and the rest was discarded unread. */
  readonly responseTruncated?: boolean;
  /**
   * True for an extra send of the same delivery that an injected duplicate fault added. It
   * does not decide the delivery's status or its retries.
   */
  readonly duplicate?: boolean;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed";

export interface Delivery {
  /** `X-Webhook-Delivery`: the same for every attempt of this delivery. */
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly endpointId: string;
  /** The click the event carries, for `click.recorded` events. */
  readonly clickId?: string;
  /** Simulated epoch milliseconds at which the delivery was created. */
  readonly createdAtMs: number;
  /**
   * The exact body bytes, identical across attempts. One string is shared by every delivery of
   * the same event (other endpoints, manual redeliveries), so it is stored once.
   */
  readonly body: string;
  status: DeliveryStatus;
  readonly attempts: Attempt[];
  /** Simulated epoch milliseconds at which the delivery succeeded or was given up. */
  finishedAtMs?: number;
  /** Why the delivery failed for good; set with `status: "failed"`. */
  failureReason?: FailureReason;
  /** For a manual redelivery: the id of the delivery it repeats. */
  readonly redeliveryOf?: string;
}

/** A notice that a delivery failed permanently, as the service surfaces it to the workspace. */
export interface FailureNotification {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly atMs: number;
  readonly attempts: number;
  readonly lastOutcome: AttemptOutcome;
  /** `endpoint_paused` when the endpoint was paused, otherwise the last attempt's outcome. */
  readonly reason: FailureReason;
}

/** Filters of `DeliveryLog.query`; every one that is set must match. */
export interface DeliveryQuery {
  readonly status?: DeliveryStatus;
  readonly eventId?: string;
  readonly endpointId?: string;
  /** Simulated epoch milliseconds, included: deliveries created at or after it. */
  readonly fromMs?: number;
  /** Simulated epoch milliseconds, excluded: deliveries created before it. */
  readonly toMs?: number;
}

/** Every delivery and every attempt, kept for the whole run: scoring reads its evidence here. */
export class DeliveryLog {
  readonly #deliveries: Delivery[] = [];
  readonly #byId = new Map<string, Delivery>();
  readonly #notifications: FailureNotification[] = [];

  add(delivery: Delivery): void {
    this.#deliveries.push(delivery);
    this.#byId.set(delivery.id, delivery);
  }

  get(deliveryId: string): Delivery | undefined {
    return this.#byId.get(deliveryId);
  }

  all(): readonly Delivery[] {
    return this.#deliveries;
  }

  recordAttempt(delivery: Delivery, attempt: Attempt): void {
    delivery.attempts.push(attempt);
  }

  markSucceeded(delivery: Delivery, atMs: number): void {
    delivery.status = "succeeded";
    delivery.finishedAtMs = atMs;
  }

  markFailed(delivery: Delivery, atMs: number, reason?: FailureReason): void {
    const last = delivery.attempts.at(-1);
    const lastOutcome = last?.outcome ?? "unreachable";
    delivery.status = "failed";
    delivery.finishedAtMs = atMs;
    delivery.failureReason = reason ?? lastOutcome;
    this.#notifications.push({
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      atMs,
      attempts: delivery.attempts.length,
      lastOutcome,
      reason: delivery.failureReason,
    });
  }

  /** Returns the deliveries that match `filter`, in creation order. */
  query(filter: DeliveryQuery): Delivery[] {
    return this.#deliveries.filter(
      (delivery) =>
        (filter.status === undefined || delivery.status === filter.status) &&
        (filter.eventId === undefined || delivery.eventId === filter.eventId) &&
        (filter.endpointId === undefined || delivery.endpointId === filter.endpointId) &&
        (filter.fromMs === undefined || delivery.createdAtMs >= filter.fromMs) &&
        (filter.toMs === undefined || delivery.createdAtMs < filter.toMs),
    );
  }

  notifications(): readonly FailureNotification[] {
    return this.#notifications;
  }

  pendingCount(): number {
    let pending = 0;
    for (const delivery of this.#deliveries) {
      if (delivery.status === "pending") {
        pending++;
      }
    }
    return pending;
  }
}
