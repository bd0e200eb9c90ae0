import type { Scheduler } from "../clock/scheduler.js";
import type { Random } from "../model/random.js";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";
import type { Attempt, Delivery, DeliveryLog } from "./delivery-log.js";
import type { EndpointRegistry, WebhookEndpoint } from "./endpoints.js";
import type { WebhookEvent } from "./event.js";
import { encodeGoJson } from "./go-json.js";
import type { HttpSender, SendResult } from "./http-sender.js";
import { nextRetryDelayMs, type RetryPolicy } from "./retry-policy.js";
import {
  computeSignature,
  formatSignatureHeader,
  HEADER_ATTEMPT,
  HEADER_DELIVERY,
  HEADER_EVENT,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  wallClockUnixSeconds,
} from "./signature.js";

/** Faults that shape delivery attempts; see `DeliveryFaultPlan` for the scheduled ones. */
export interface DeliveryFaults {
  /** Returns the name of an injected outage that makes `endpointId` unreachable at `atMs`, if any. */
  unreachableAt(endpointId: string, atMs: number): string | undefined;
  /**
   * Returns true when the 2xx answer to this attempt is to be dropped on its way back, so the
   * dispatcher sends the same delivery again, as happens in production.
   */
  loseResponse(delivery: Delivery, attemptNumber: number): boolean;
}

const NO_FAULTS: DeliveryFaults = {
  unreachableAt: () => undefined,
  loseResponse: () => false,
};

export const DISPATCHER_USER_AGENT = "Elido-Webhooks/1.0 (elido-sim)";

export interface DispatcherDependencies {
  readonly scheduler: Scheduler;
  readonly endpoints: EndpointRegistry;
  readonly log: DeliveryLog;
  readonly sender: HttpSender;
  readonly policy: RetryPolicy;
  /** Stream for delivery ids. */
  readonly random: Random;
  readonly faults?: DeliveryFaults;
  /** Attempts in flight at once per endpoint; further attempts wait their turn. Default: 32. */
  readonly maxConcurrentPerEndpoint?: number;
}

/**
 * Delivers webhook events: one delivery per subscribed endpoint, each attempt signed afresh
 * with the wall-clock time, failed attempts retried on the policy's schedule in simulated time,
 * and every attempt kept in the delivery log.
 */
export class Dispatcher {
  readonly #deps: DispatcherDependencies;
  #faults: DeliveryFaults;
  readonly #limiter: ConcurrencyLimiter;

  constructor(dependencies: DispatcherDependencies) {
    this.#deps = dependencies;
    this.#faults = dependencies.faults ?? NO_FAULTS;
    // The limit keeps a backlog of thousands of due attempts from opening thousands of
    // requests at once; Elido does not publish its own, so 32 matches the connection pool.
    this.#limiter = new ConcurrencyLimiter(dependencies.maxConcurrentPerEndpoint ?? 32);
  }

  /** Replaces the delivery faults; attempts already running keep the old ones. */
  setFaults(faults: DeliveryFaults): void {
    this.#faults = faults;
  }

  /** Creates a delivery of `event` to every endpoint subscribed to its type and starts them now. */
  publish(event: WebhookEvent<unknown>, clickId?: string): Delivery[] {
    return this.#deps.endpoints
      .subscribedTo(event.type)
      .map((endpoint) => this.deliver(endpoint, event, clickId));
  }

  /** Creates one delivery of `event` to `endpoint` and schedules its first attempt now. */
  deliver(endpoint: WebhookEndpoint, event: WebhookEvent<unknown>, clickId?: string): Delivery {
    const { scheduler, log, random } = this.#deps;
    const delivery: Delivery = {
      id: `dlv_${random.hex(24)}`,
      eventId: event.id,
      eventType: event.type,
      endpointId: endpoint.id,
      ...(clickId === undefined ? {} : { clickId }),
      createdAtMs: scheduler.now(),
      body: encodeGoJson(event),
      status: "pending",
      attempts: [],
    };
    log.add(delivery);
    scheduler.after(0, () => this.#attempt(delivery, endpoint, 1));
    return delivery;
  }

  /** Builds the headers of one attempt, signed with the current wall-clock time. */
  static signedHeaders(
    delivery: Pick<Delivery, "id" | "eventType" | "body">,
    secret: string,
    attemptNumber: number,
    timestampSeconds: number,
  ): Record<string, string> {
    return {
      "content-type": "application/json",
      "user-agent": DISPATCHER_USER_AGENT,
      [HEADER_EVENT]: delivery.eventType,
      [HEADER_DELIVERY]: delivery.id,
      [HEADER_ATTEMPT]: String(attemptNumber),
      [HEADER_TIMESTAMP]: String(timestampSeconds),
      [HEADER_SIGNATURE]: formatSignatureHeader(
        computeSignature(secret, timestampSeconds, delivery.body),
      ),
    };
  }

  async #attempt(delivery: Delivery, endpoint: WebhookEndpoint, number: number): Promise<void> {
    const waiting = this.#limiter.acquire(endpoint.id);
    if (waiting !== undefined) {
      await waiting;
    }
    try {
      await this.#send(delivery, endpoint, number);
    } finally {
      this.#limiter.release(endpoint.id);
    }
  }

  async #send(delivery: Delivery, endpoint: WebhookEndpoint, number: number): Promise<void> {
    const { scheduler, log, sender, policy } = this.#deps;
    const startedAtMs = scheduler.now();
    const signatureTimestamp = wallClockUnixSeconds();
    const outage = this.#faults.unreachableAt(endpoint.id, startedAtMs);
    let result: SendResult;
    if (outage === undefined) {
      result = await sender.send({
        url: endpoint.url,
        headers: Dispatcher.signedHeaders(delivery, endpoint.secret, number, signatureTimestamp),
        body: delivery.body,
      });
    } else {
      result = {
        outcome: "unreachable",
        error: `receiver unreachable during injected outage "${outage}"`,
        latencyMs: 0,
      };
    }

    const retryDelayMs = nextRetryDelayMs(policy, number);
    const responseLost =
      result.outcome === "success" &&
      retryDelayMs !== undefined &&
      this.#faults.loseResponse(delivery, number);
    const attempt: Attempt = {
      number,
      startedAtMs,
      signatureTimestamp,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(responseLost ? { responseLost: true, fault: "lost-response" } : {}),
      ...(outage === undefined ? {} : { fault: outage }),
    };
    log.recordAttempt(delivery, attempt);

    const finishedAtMs = scheduler.now();
    if (result.outcome === "success" && !responseLost) {
      log.markSucceeded(delivery, finishedAtMs);
      return;
    }
    if (retryDelayMs === undefined) {
      log.markFailed(delivery, finishedAtMs);
      return;
    }
    scheduler.after(retryDelayMs, () => this.#attempt(delivery, endpoint, number + 1));
  }
}
