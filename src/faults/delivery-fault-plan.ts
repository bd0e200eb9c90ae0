import type { Random } from "../model/random.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import type {
  DeliveryFaults,
  DuplicateDecision,
  FaultContext,
  FaultHold,
} from "../webhooks/dispatcher.js";
import {
  type BacklogWindow,
  type DuplicateWindow,
  type FaultWindow,
  inWindow,
  type ManualRedelivery,
  type ReorderWindow,
  type SlowSuccessWindow,
  scheduleManualRedeliveries,
} from "./delivery-fault-kinds.js";

export type {
  BacklogWindow,
  DuplicateWindow,
  FaultWindow,
  ManualRedelivery,
  ReorderWindow,
  SlowSuccessWindow,
} from "./delivery-fault-kinds.js";

/** A window of simulated time during which the dispatcher cannot reach the receiver. */
export type OutageWindow = FaultWindow;

export interface DeliveryFaultPlanOptions {
  readonly outages?: readonly OutageWindow[];
  /**
   * Share of successful attempts, 0 to 1, whose 2xx is lost on the way back so the same
   * delivery id arrives again after the next retry delay.
   */
  readonly duplicateShare?: number;
  readonly duplicates?: readonly DuplicateWindow[];
  readonly reorders?: readonly ReorderWindow[];
  readonly slowSuccesses?: readonly SlowSuccessWindow[];
  readonly backlogs?: readonly BacklogWindow[];
  readonly redeliveries?: readonly ManualRedelivery[];
}

/**
 * The delivery faults of a run, decided from the seed so that a run can be replayed exactly.
 * Each decision forks the random source with the delivery id and attempt number, so it does
 * not depend on the order in which concurrent attempts finish.
 */
export class DeliveryFaultPlan implements DeliveryFaults {
  readonly outages: readonly OutageWindow[];
  readonly duplicateShare: number;
  readonly duplicates: readonly DuplicateWindow[];
  readonly reorders: readonly ReorderWindow[];
  readonly slowSuccesses: readonly SlowSuccessWindow[];
  readonly backlogs: readonly BacklogWindow[];
  readonly redeliveries: readonly ManualRedelivery[];
  readonly #random: Random;

  constructor(random: Random, options: DeliveryFaultPlanOptions = {}) {
    this.#random = random;
    this.outages = [...(options.outages ?? [])].sort((a, b) => a.startMs - b.startMs);
    this.duplicateShare = options.duplicateShare ?? 0;
    this.duplicates = options.duplicates ?? [];
    this.reorders = options.reorders ?? [];
    this.slowSuccesses = options.slowSuccesses ?? [];
    this.backlogs = options.backlogs ?? [];
    this.redeliveries = options.redeliveries ?? [];
  }

  unreachableAt(_endpointId: string, atMs: number): string | undefined {
    return this.outageAt(atMs)?.name;
  }

  outageAt(atMs: number): OutageWindow | undefined {
    return this.outages.find((window) => inWindow(window, atMs));
  }

  loseResponse(delivery: Delivery, attemptNumber: number): boolean {
    return this.#random.fork(`${delivery.id}#${attemptNumber}`).chance(this.duplicateShare);
  }

  /**
   * A backlog holds every delivery created in its window until the window ends, so they go out
   * together in creation order. Reordering holds a share of them for a random delay, so they
   * overtake one another. A backlog wins over reordering.
   */
  holdFirstAttempt(delivery: Delivery, atMs: number): FaultHold | undefined {
    const backlog = this.backlogs.find((window) => inWindow(window, atMs));
    if (backlog !== undefined) {
      return { delayMs: backlog.endMs - atMs, fault: backlog.name, kind: "dispatcher_backlog" };
    }
    const reorder = this.reorders.find((window) => inWindow(window, atMs));
    if (reorder === undefined) {
      return undefined;
    }
    const random = this.#random.fork(`reorder:${delivery.id}`);
    if (!random.chance(reorder.share)) {
      return undefined;
    }
    return {
      delayMs: random.int(1, Math.max(1, reorder.maxDelayMs)),
      fault: reorder.name,
      kind: "reorder",
    };
  }

  slowSuccess(delivery: Delivery, attemptNumber: number, atMs: number): string | undefined {
    const window = this.slowSuccesses.find((candidate) => inWindow(candidate, atMs));
    if (window === undefined) {
      return undefined;
    }
    const chosen = this.#random.fork(`slow:${delivery.id}#${attemptNumber}`).chance(window.share);
    return chosen ? window.name : undefined;
  }

  duplicateAttempt(
    delivery: Delivery,
    attemptNumber: number,
    atMs: number,
  ): DuplicateDecision | undefined {
    const window = this.duplicates.find((candidate) => inWindow(candidate, atMs));
    if (window === undefined) {
      return undefined;
    }
    const chosen = this.#random
      .fork(`duplicate:${delivery.id}#${attemptNumber}`)
      .chance(window.share);
    if (!chosen) {
      return undefined;
    }
    return { fault: window.name, concurrent: window.concurrent, delayMs: window.delayMs };
  }

  /** Records the declared windows in the timeline and schedules the manual redeliveries. */
  attach(context: FaultContext): void {
    const windows: Array<[string, readonly FaultWindow[]]> = [
      ["receiver_outage", this.outages],
      ["duplicate_delivery", this.duplicates],
      ["reorder", this.reorders],
      ["slow_success", this.slowSuccesses],
      ["dispatcher_backlog", this.backlogs],
    ];
    for (const [kind, list] of windows) {
      for (const window of list) {
        context.timeline.record({
          atMs: window.startMs,
          kind,
          fault: window.name,
          detail: `window of ${window.endMs - window.startMs} ms opens`,
        });
      }
    }
    scheduleManualRedeliveries(context, this.redeliveries, this.#random.fork("redeliveries"));
  }
}
