import { ElidoSimError } from "../errors.js";
import type { Random } from "../model/random.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import type { FaultContext } from "../webhooks/dispatcher.js";

/** A named window of simulated time. */
export interface FaultWindow {
  readonly name: string;
  /** Simulated epoch milliseconds, included. */
  readonly startMs: number;
  /** Simulated epoch milliseconds, excluded. */
  readonly endMs: number;
}

/** Attempts in the window are sent twice with the same delivery id. */
export interface DuplicateWindow extends FaultWindow {
  /** Share of attempts, 0 to 1, that get a duplicate. */
  readonly share: number;
  /** True: both sends are in flight at once. False: the duplicate follows after `delayMs`. */
  readonly concurrent: boolean;
  /** Simulated milliseconds between the attempt and a sequential duplicate. */
  readonly delayMs: number;
}

/** Deliveries created in the window have their first attempt held for a random delay. */
export interface ReorderWindow extends FaultWindow {
  /** Share of deliveries, 0 to 1, that are held. */
  readonly share: number;
  /** Maximum hold in simulated milliseconds. Each held delivery draws from 1 ms to this. */
  readonly maxDelayMs: number;
}

/** 2xx responses in the window are counted as timeouts, so the delivery is retried. */
export interface SlowSuccessWindow extends FaultWindow {
  /** Share of successful attempts, 0 to 1, affected. */
  readonly share: number;
}

/** Deliveries created in the window wait in the dispatcher's queue until the window ends. */
export type BacklogWindow = FaultWindow;

/** A manual redelivery from the delivery log, as a user would click "resend". */
export interface ManualRedelivery {
  readonly name: string;
  /** Simulated epoch milliseconds. */
  readonly atMs: number;
  /** Share, 0 to 1, of the deliveries that succeeded before `atMs` to redeliver. */
  readonly share: number;
}

export function inWindow(window: FaultWindow, atMs: number): boolean {
  return atMs >= window.startMs && atMs < window.endMs;
}

/**
 * Schedules each manual redelivery: at its time, a seeded choice of the deliveries that have
 * succeeded by then is sent again with the same event id and new delivery ids. Redeliveries
 * are never chosen again.
 */
export function scheduleManualRedeliveries(
  context: FaultContext,
  redeliveries: readonly ManualRedelivery[],
  random: Random,
): void {
  for (const redelivery of redeliveries) {
    context.scheduler.at(redelivery.atMs, () => {
      const choose = random.fork(`${redelivery.name}@${redelivery.atMs}`);
      const candidates = context.log
        .all()
        .filter(
          (delivery: Delivery) =>
            delivery.status === "succeeded" && delivery.redeliveryOf === undefined,
        );
      for (const original of candidates) {
        if (!choose.chance(redelivery.share)) {
          continue;
        }
        let copy: Delivery;
        try {
          copy = context.redeliver(original.id);
        } catch (error) {
          // The endpoint was deleted since: Elido cannot resend to it either.
          if (error instanceof ElidoSimError && error.code === "ELIDO_SIM_ERR_ENDPOINT_NOT_FOUND") {
            continue;
          }
          throw error;
        }
        context.timeline.record({
          atMs: context.scheduler.now(),
          kind: "manual_redelivery",
          fault: redelivery.name,
          deliveryId: copy.id,
          endpointId: copy.endpointId,
          detail: `manual redelivery of ${original.id} (event ${original.eventId})`,
        });
      }
    });
  }
}
