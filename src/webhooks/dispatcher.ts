import type { Scheduler } from "../clock/scheduler.js";
import { ElidoSimError } from "../errors.js";
import { formatTimestampUs } from "../model/click.js";
import type { Random } from "../model/random.js";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";
import type { Attempt, Delivery, DeliveryLog } from "./delivery-log.js";
import { DeliveryTimeline } from "./delivery-timeline.js";
import type { EndpointRegistry, WebhookEndpoint } from "./endpoints.js";
import { buildTestEvent, type WebhookEvent } from "./event.js";
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

/** A delay of a new delivery's first attempt, decided by a backlog or reordering fault. */
export interface FaultHold {
  /** Simulated milliseconds from the creation of the delivery to its first attempt. */
  readonly delayMs: number;
  readonly fault: string;
  readonly kind: string;
}

/** An extra send of the same delivery id, decided by a duplicate-delivery fault. */
export interface DuplicateDecision {
  readonly fault: string;
  /** True: sent at the same moment as the attempt, both in flight at once. */
  readonly concurrent: boolean;
  /** Simulated milliseconds after the attempt at which a sequential duplicate is sent. */
  readonly delayMs: number;
}

/** The dispatcher services a fault plan may use once it is attached. */
export interface FaultContext {
  readonly scheduler: Scheduler;
  readonly log: DeliveryLog;
  readonly timeline: DeliveryTimeline;
  /** Creates a manual redelivery: same event, new delivery id. */
  redeliver(deliveryId: string): Delivery;
}

/**
 * Faults that shape delivery attempts; `DeliveryFaultPlan` implements them from a scenario.
 * Every optional hook defaults to "no fault".
 */
export interface DeliveryFaults {
  /** Returns the name of an injected outage that makes `endpointId` unreachable at `atMs`, if any. */
  unreachableAt(endpointId: string, atMs: number): string | undefined;
  /**
   * Returns true when the 2xx answer to this attempt is to be dropped on its way back, so the
   * dispatcher sends the same delivery again, as happens in production.
   */
  loseResponse(delivery: Delivery, attemptNumber: number): boolean;
  /** Returns how long to hold the first attempt of a delivery created at `atMs`, if at all. */
  holdFirstAttempt?(delivery: Delivery, atMs: number): FaultHold | undefined;
  /**
   * Returns the name of a slow-success fault when the 2xx of this attempt is to count as a
   * timeout: the receiver processed the event, and the dispatcher retries it anyway.
   */
  slowSuccess?(delivery: Delivery, attemptNumber: number, atMs: number): string | undefined;
  /** Returns an extra send of the same delivery id to add to this attempt, if any. */
  duplicateAttempt?(
    delivery: Delivery,
    attemptNumber: number,
    atMs: number,
  ): DuplicateDecision | undefined;
  /** Called when the faults are given to a dispatcher, to schedule timed faults. */
  attach?(context: FaultContext): void;
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
  /**
   * Failed attempts in a row after which an endpoint is paused. Default: undefined, never.
   * Duplicate sends added by faults do not count.
   */
  readonly pauseAfterConsecutiveFailures?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The result of one signed request, with the timestamp it was signed with. */
interface SentAttempt {
  readonly result: SendResult;
  readonly signatureTimestamp: number;
}

/** A delivery to create: the event's identity and its encoded body. */
interface EventToDeliver {
  readonly id: string;
  readonly type: string;
  readonly body: string;
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
  readonly #eventIds: Random;
  readonly #consecutiveFailures = new Map<string, number>();
  readonly #paused = new Map<string, number>();
  /** The record of injected faults and endpoint pauses, in simulated time. */
  readonly timeline = new DeliveryTimeline();

  constructor(dependencies: DispatcherDependencies) {
    this.#deps = dependencies;
    // The limit keeps a backlog of thousands of due attempts from opening thousands of
    // requests at once; Elido does not publish its own, so 32 matches the connection pool.
    this.#limiter = new ConcurrencyLimiter(dependencies.maxConcurrentPerEndpoint ?? 32);
    // Its own stream, so that sending test events does not change the delivery ids of a seed.
    this.#eventIds = dependencies.random.fork("test-events");
    this.#faults = NO_FAULTS;
    this.setFaults(dependencies.faults ?? NO_FAULTS);
  }

  get policy(): RetryPolicy {
    return this.#deps.policy;
  }

  /** Replaces the delivery faults; attempts already running keep the old ones. */
  setFaults(faults: DeliveryFaults): void {
    this.#faults = faults;
    faults.attach?.({
      scheduler: this.#deps.scheduler,
      log: this.#deps.log,
      timeline: this.timeline,
      redeliver: (deliveryId) => this.redeliver(deliveryId),
    });
  }

  /** Creates a delivery of `event` to every endpoint subscribed to its type and starts them now. */
  publish(event: WebhookEvent<unknown>, clickId?: string): Delivery[] {
    const endpoints = this.#deps.endpoints.subscribedTo(event.type);
    if (endpoints.length === 0) {
      return [];
    }
    // Encoded once: every endpoint's delivery shares the same body string.
    const toDeliver = { id: event.id, type: event.type, body: encodeGoJson(event) };
    return endpoints.map((endpoint) => this.#create(endpoint, toDeliver, clickId));
  }

  /** Creates one delivery of `event` to `endpoint` and schedules its first attempt now. */
  deliver(endpoint: WebhookEndpoint, event: WebhookEvent<unknown>, clickId?: string): Delivery {
    return this.#create(
      endpoint,
      { id: event.id, type: event.type, body: encodeGoJson(event) },
      clickId,
    );
  }

  /**
   * Sends a `webhook.test` event to `endpoint`, whatever event types it subscribed to, as
   * Elido can on registration.
   */
  sendTestEvent(endpoint: WebhookEndpoint, workspaceId: number): Delivery {
    const nowMs = this.#deps.scheduler.now();
    const event = buildTestEvent(
      `evt_${this.#eventIds.hex(24)}`,
      formatTimestampUs(nowMs * 1_000),
      workspaceId,
      endpoint.id,
    );
    return this.deliver(endpoint, event);
  }

  /**
   * Creates a manual redelivery of `deliveryId`, as from Elido's delivery log: the same event
   * (same event id and body bytes) as a new delivery with a new delivery id and a fresh
   * retry schedule. Throws `ELIDO_SIM_ERR_DELIVERY_NOT_FOUND` or
   * `ELIDO_SIM_ERR_ENDPOINT_NOT_FOUND`.
   */
  redeliver(deliveryId: string): Delivery {
    const original = this.#deps.log.get(deliveryId);
    if (original === undefined) {
      throw new ElidoSimError(
        "ELIDO_SIM_ERR_DELIVERY_NOT_FOUND",
        `Delivery "${deliveryId}" not found: expected the id of a delivery in the delivery log.`,
      );
    }
    const endpoint = this.#deps.endpoints.get(original.endpointId);
    if (endpoint === undefined) {
      throw new ElidoSimError(
        "ELIDO_SIM_ERR_ENDPOINT_NOT_FOUND",
        `Cannot redeliver "${deliveryId}": its webhook endpoint "${original.endpointId}" was deleted.`,
      );
    }
    return this.#create(
      endpoint,
      { id: original.eventId, type: original.eventType, body: original.body },
      original.clickId,
      original.id,
    );
  }

  /** Returns true while `endpointId` is paused after too many failed attempts in a row. */
  isPaused(endpointId: string): boolean {
    return this.#paused.has(endpointId);
  }

  /** Resumes a paused endpoint: deliveries created from now on are attempted again. */
  resume(endpointId: string): void {
    if (this.#paused.delete(endpointId)) {
      this.#consecutiveFailures.delete(endpointId);
      this.timeline.record({
        atMs: this.#deps.scheduler.now(),
        kind: "endpoint_resumed",
        fault: "endpoint_resumed",
        endpointId,
        detail: "endpoint resumed",
      });
    }
  }

  /** Builds the headers of one attempt, signed with `timestampSeconds` (wall-clock Unix seconds). */
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

  #create(
    endpoint: WebhookEndpoint,
    event: EventToDeliver,
    clickId: string | undefined,
    redeliveryOf?: string,
  ): Delivery {
    const { scheduler, log, random } = this.#deps;
    const createdAtMs = scheduler.now();
    const delivery: Delivery = {
      id: `dlv_${random.hex(24)}`,
      eventId: event.id,
      eventType: event.type,
      endpointId: endpoint.id,
      ...(clickId === undefined ? {} : { clickId }),
      createdAtMs,
      body: event.body,
      status: "pending",
      attempts: [],
      ...(redeliveryOf === undefined ? {} : { redeliveryOf }),
    };
    log.add(delivery);
    const hold = this.#faults.holdFirstAttempt?.(delivery, createdAtMs);
    if (hold === undefined) {
      scheduler.after(0, () => this.#attempt(delivery, endpoint, 1, undefined));
      return delivery;
    }
    this.timeline.record({
      atMs: createdAtMs,
      kind: hold.kind,
      fault: hold.fault,
      deliveryId: delivery.id,
      endpointId: endpoint.id,
      detail: `first attempt held for ${hold.delayMs} ms`,
    });
    scheduler.after(hold.delayMs, () => this.#attempt(delivery, endpoint, 1, hold.fault));
    return delivery;
  }

  /** Runs attempt `number` of `delivery` once the endpoint has a free slot. */
  #attempt(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    heldBy: string | undefined,
  ): void {
    this.#inSlot(endpoint, (done) => this.#send(delivery, endpoint, number, heldBy, done));
  }

  /**
   * Runs `work` once `endpoint` has a free slot, and counts it as in flight for the scheduler
   * until `work` calls `done`. Callbacks and a scheduler hold replace an async chain, because
   * a backlog runs tens of thousands of attempts a second.
   */
  #inSlot(endpoint: WebhookEndpoint, work: (done: () => void) => void): void {
    const { scheduler } = this.#deps;
    const ended = scheduler.hold();
    const done = (): void => {
      this.#limiter.release(endpoint.id);
      ended();
    };
    this.#limiter.acquire(endpoint.id, () => {
      try {
        work(done);
      } catch (error) {
        done();
        scheduler.reportError(error);
      }
    });
  }

  #send(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    heldBy: string | undefined,
    done: () => void,
  ): void {
    const startedAtMs = this.#deps.scheduler.now();
    if (this.#paused.has(endpoint.id)) {
      // A paused endpoint gets no attempts: the delivery fails now and surfaces as a notification.
      this.#deps.log.markFailed(delivery, startedAtMs, "endpoint_paused");
      done();
      return;
    }
    const outage = this.#faults.unreachableAt(endpoint.id, startedAtMs);
    if (outage !== undefined) {
      const result: SendResult = {
        outcome: "unreachable",
        error: `receiver unreachable during injected outage "${outage}"`,
        latencyMs: 0,
      };
      this.#finish(delivery, endpoint, number, outage, startedAtMs, {
        result,
        signatureTimestamp: wallClockUnixSeconds(),
      });
      done();
      return;
    }
    const duplicate = this.#faults.duplicateAttempt?.(delivery, number, startedAtMs);
    if (duplicate?.concurrent === true) {
      // Both copies are in flight at once. The first decides the delivery, and the second is logged.
      let first: SentAttempt | undefined;
      let second: SentAttempt | undefined;
      const join = (): void => {
        if (first === undefined || second === undefined) {
          return;
        }
        this.#finish(delivery, endpoint, number, heldBy, startedAtMs, first, {
          decision: duplicate,
          copy: second,
        });
        done();
      };
      this.#post(delivery, endpoint, number, (sent) => {
        first = sent;
        join();
      });
      this.#post(delivery, endpoint, number, (sent) => {
        second = sent;
        join();
      });
      return;
    }
    this.#post(delivery, endpoint, number, (sent) => {
      this.#finish(
        delivery,
        endpoint,
        number,
        heldBy,
        startedAtMs,
        sent,
        duplicate === undefined ? undefined : { decision: duplicate },
      );
      done();
    });
  }

  /**
   * Records the attempt's result, then settles the delivery or schedules its retry. `shapedBy`
   * is the name of the fault that shaped the attempt (an outage, a held first attempt), if any.
   */
  #finish(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    shapedBy: string | undefined,
    startedAtMs: number,
    sent: SentAttempt,
    duplicate?: { decision: DuplicateDecision; copy?: SentAttempt },
  ): void {
    const { scheduler, log, policy } = this.#deps;
    const { result } = sent;
    const retryDelayMs = nextRetryDelayMs(policy, number);
    let fault = shapedBy;
    let responseLost = false;
    let error = result.error;
    if (result.outcome === "success" && retryDelayMs !== undefined) {
      const slow = this.#faults.slowSuccess?.(delivery, number, startedAtMs);
      if (slow !== undefined) {
        responseLost = true;
        fault = slow;
        error = "2xx arrived after the attempt timeout, so the dispatcher counted a timeout";
        this.#recordFault(delivery, startedAtMs, "slow_success", slow, "2xx counted as a timeout");
      } else if (this.#faults.loseResponse(delivery, number)) {
        responseLost = true;
        fault = "lost-response";
      }
    }
    // Optional fields are assigned one by one, because spreading them allocated a temporary
    // object for each.
    const attempt: Mutable<Attempt> = {
      number,
      startedAtMs,
      signatureTimestamp: sent.signatureTimestamp,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
    };
    if (result.statusCode !== undefined) {
      attempt.statusCode = result.statusCode;
    }
    if (error !== undefined) {
      attempt.error = error;
    }
    if (responseLost) {
      attempt.responseLost = true;
    }
    if (fault !== undefined) {
      attempt.fault = fault;
    }
    if (result.responseBytes !== undefined) {
      attempt.responseBytes = result.responseBytes;
    }
    if (result.responseTruncated === true) {
      attempt.responseTruncated = true;
    }
    log.recordAttempt(delivery, attempt);
    if (duplicate?.copy !== undefined) {
      this.#recordDuplicate(
        delivery,
        endpoint,
        number,
        startedAtMs,
        duplicate.copy,
        duplicate.decision.fault,
      );
    } else if (duplicate !== undefined) {
      const { delayMs, fault: duplicateFault } = duplicate.decision;
      scheduler.after(delayMs, () =>
        this.#sendDuplicate(delivery, endpoint, number, duplicateFault),
      );
    }

    const finishedAtMs = scheduler.now();
    const succeeded = result.outcome === "success" && !responseLost;
    this.#countForPause(endpoint.id, succeeded, finishedAtMs);
    if (succeeded) {
      log.markSucceeded(delivery, finishedAtMs);
      return;
    }
    if (retryDelayMs === undefined) {
      log.markFailed(delivery, finishedAtMs);
      return;
    }
    scheduler.after(retryDelayMs, () => this.#attempt(delivery, endpoint, number + 1, undefined));
  }

  /** Signs and sends one request of `delivery`; each request gets its own timestamp. */
  #post(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    onSent: (sent: SentAttempt) => void,
  ): void {
    const signatureTimestamp = wallClockUnixSeconds();
    this.#deps.sender.start(
      {
        url: endpoint.url,
        headers: Dispatcher.signedHeaders(delivery, endpoint.secret, number, signatureTimestamp),
        body: delivery.body,
      },
      (result) => onSent({ result, signatureTimestamp }),
    );
  }

  #sendDuplicate(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    fault: string,
  ): void {
    this.#inSlot(endpoint, (done) => {
      const startedAtMs = this.#deps.scheduler.now();
      this.#post(delivery, endpoint, number, (sent) => {
        this.#recordDuplicate(delivery, endpoint, number, startedAtMs, sent, fault);
        done();
      });
    });
  }

  #recordDuplicate(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    number: number,
    startedAtMs: number,
    sent: SentAttempt,
    fault: string,
  ): void {
    const { result } = sent;
    this.#deps.log.recordAttempt(delivery, {
      number,
      startedAtMs,
      signatureTimestamp: sent.signatureTimestamp,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
      ...(result.error === undefined ? {} : { error: result.error }),
      fault,
      duplicate: true,
    });
    this.#recordFault(
      delivery,
      startedAtMs,
      "duplicate_delivery",
      fault,
      `attempt ${number} sent again to ${endpoint.id}`,
    );
  }

  #recordFault(
    delivery: Delivery,
    atMs: number,
    kind: string,
    fault: string,
    detail: string,
  ): void {
    this.timeline.record({
      atMs,
      kind,
      fault,
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      detail,
    });
  }

  #countForPause(endpointId: string, succeeded: boolean, atMs: number): void {
    const threshold = this.#deps.pauseAfterConsecutiveFailures;
    if (threshold === undefined) {
      return;
    }
    if (succeeded) {
      this.#consecutiveFailures.delete(endpointId);
      return;
    }
    const failures = (this.#consecutiveFailures.get(endpointId) ?? 0) + 1;
    this.#consecutiveFailures.set(endpointId, failures);
    if (failures >= threshold && !this.#paused.has(endpointId)) {
      this.#paused.set(endpointId, atMs);
      this.timeline.record({
        atMs,
        kind: "endpoint_paused",
        fault: "endpoint_paused",
        endpointId,
        detail: `endpoint paused after ${failures} failed attempts in a row`,
      });
    }
  }
}
