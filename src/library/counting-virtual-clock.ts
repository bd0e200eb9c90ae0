import { VirtualClock } from "../clock/virtual-clock.js";

/** A virtual clock that counts the timers it fired, for `Simulator.stats()` and benchmarks. */
export class CountingVirtualClock extends VirtualClock {
  #fired = 0;

  get firedCount(): number {
    return this.#fired;
  }

  override fireDue(maxFires?: number): number {
    const fired = super.fireDue(maxFires);
    this.#fired += fired;
    return fired;
  }
}
