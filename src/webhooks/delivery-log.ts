/** Why an attempt failed, or `success`. */
export type AttemptOutcome =
  | "success"
  | "http_error"
  | "redirect"
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "network_error"
  | "unreachable";

export interface Attempt {
  /** 1-based attempt number, sent as `X-Webhook-Attempt`. */
  readonly number: number;
  /** Simulated epoch milliseconds at which the attempt started. */
  readonly startedAtMs: number;
  /** The `X-Webhook-Timestamp` the attempt was signed with: wall-clock Unix seconds. */
  readonly signatureTimestamp: number;
  readonly outcome: AttemptOutcome;
  /** HTTP status, when the receiver answered. */
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
  /** The exact body bytes, identical across attempts. */
  readonly body: string;
  status: DeliveryStatus;
  readonly attempts: Attempt[];
  /** Simulated epoch milliseconds at which the delivery succeeded or was given up. */
  finishedAtMs?: number;
}

/** A notice that a delivery failed permanently, as the service surfaces it to the workspace. */
export interface FailureNotification {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly atMs: number;
  readonly attempts: number;
  readonly lastOutcome: AttemptOutcome;
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

  markFailed(delivery: Delivery, atMs: number): void {
    delivery.status = "failed";
    delivery.finishedAtMs = atMs;
    const last = delivery.attempts.at(-1);
    this.#notifications.push({
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      endpointId: delivery.endpointId,
      atMs,
      attempts: delivery.attempts.length,
      lastOutcome: last?.outcome ?? "unreachable",
    });
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
