import type { ScenarioDeliveryFaults, ScenarioWindow } from "../scenario/scenario.js";
import type { FaultWindow } from "./delivery-fault-kinds.js";
import type { DeliveryFaultPlanOptions } from "./delivery-fault-plan.js";

/** Places a scenario's delivery faults on the run's clock, starting at `startMs`. */
export function deliveryFaultOptionsFor(
  faults: ScenarioDeliveryFaults,
  startMs: number,
): DeliveryFaultPlanOptions {
  const place = (window: ScenarioWindow): FaultWindow => ({
    name: window.name,
    startMs: startMs + window.offsetMs,
    endMs: startMs + window.offsetMs + window.durationMs,
  });
  return {
    duplicates: faults.duplicates.map((window) => ({
      ...place(window),
      share: window.share,
      concurrent: window.concurrent,
      delayMs: window.delayMs,
    })),
    reorders: faults.reorders.map((window) => ({
      ...place(window),
      share: window.share,
      maxDelayMs: window.maxDelayMs,
    })),
    slowSuccesses: faults.slowSuccesses.map((window) => ({
      ...place(window),
      share: window.share,
    })),
    backlogs: faults.backlogs.map(place),
    redeliveries: faults.redeliveries.map((redelivery) => ({
      name: redelivery.name,
      atMs: startMs + redelivery.offsetMs,
      share: redelivery.share,
    })),
  };
}
