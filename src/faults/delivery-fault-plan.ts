import type { Random } from "../model/random.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import type { DeliveryFaults } from "../webhooks/dispatcher.js";

/** A window of simulated time during which the dispatcher cannot reach the receiver. */
export interface OutageWindow {
  readonly name: string;
  /** Simulated epoch milliseconds, included. */
  readonly startMs: number;
  /** Simulated epoch milliseconds, excluded. */
  readonly endMs: number;
}

export interface DeliveryFaultPlanOptions {
  readonly outages?: readonly OutageWindow[];
  /**
   * Share of successful attempts, 0 to 1, whose 2xx is lost on the way back so the same
   * delivery id arrives again after the next retry delay.
   */
  readonly duplicateShare?: number;
}

/** The delivery faults of a run, decided from the seed so that a run can be replayed exactly. */
export class DeliveryFaultPlan implements DeliveryFaults {
  readonly outages: readonly OutageWindow[];
  readonly duplicateShare: number;
  readonly #random: Random;

  constructor(random: Random, options: DeliveryFaultPlanOptions = {}) {
    this.#random = random;
    this.outages = [...(options.outages ?? [])].sort((a, b) => a.startMs - b.startMs);
    this.duplicateShare = options.duplicateShare ?? 0;
  }

  unreachableAt(_endpointId: string, atMs: number): string | undefined {
    return this.outageAt(atMs)?.name;
  }

  outageAt(atMs: number): OutageWindow | undefined {
    return this.outages.find((window) => atMs >= window.startMs && atMs < window.endMs);
  }

  loseResponse(delivery: Delivery, attemptNumber: number): boolean {
    // Decided per delivery and attempt rather than from a shared stream, so the choice does not
    // depend on the order in which concurrent attempts finish.
    return this.#random.fork(`${delivery.id}#${attemptNumber}`).chance(this.duplicateShare);
  }
}
