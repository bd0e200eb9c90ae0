/** One entry of the delivery fault timeline. */
export interface TimelineEntry {
  /** Simulated epoch milliseconds. */
  readonly atMs: number;
  /** Fault kind, such as `receiver_outage`, `slow_success` or `endpoint_paused`. */
  readonly kind: string;
  /** Name of the fault: the scenario's label, or the kind when it has none. */
  readonly fault: string;
  readonly deliveryId?: string;
  readonly endpointId?: string;
  /** A description of the event for people. */
  readonly detail: string;
}

/**
 * The record of injected delivery faults, in simulated-time order: windows as declared, and
 * each delivery or attempt a fault shaped. Reports and the delivery log API read it.
 */
export class DeliveryTimeline {
  readonly #entries: TimelineEntry[] = [];

  record(entry: TimelineEntry): void {
    this.#entries.push(entry);
  }

  /** Returns every entry, sorted by simulated time; entries at the same time keep their order. */
  entries(): TimelineEntry[] {
    return [...this.#entries].sort((a, b) => a.atMs - b.atMs);
  }

  get size(): number {
    return this.#entries.length;
  }
}
