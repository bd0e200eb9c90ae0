/** Width of one slot of the sliding window, in milliseconds; ten slots make the second. */
const SLOT_MS = 100;
const SLOTS = 10;
/**
 * Fewest outcomes in the window before the error rate can abort a run, so that one failed
 * request among the first few does not read as a 100 % error rate.
 */
export const MIN_OUTCOMES_FOR_ABORT = 20;

/**
 * Error rate over the last second of outcomes, in 100 ms slots. An error is a non-2xx answer to
 * a correctly signed delivery, a socket error or a timeout.
 */
export class ErrorRateWindow {
  readonly #errors = new Uint32Array(SLOTS);
  readonly #totals = new Uint32Array(SLOTS);
  #slot = -1;
  #errorSum = 0;
  #totalSum = 0;

  /** Records one outcome at `nowMs` (monotonic milliseconds) and returns the current rate. */
  record(nowMs: number, error: boolean): number {
    this.#advance(Math.floor(nowMs / SLOT_MS));
    const index = this.#slot % SLOTS;
    this.#totals[index] = (this.#totals[index] as number) + 1;
    this.#totalSum++;
    if (error) {
      this.#errors[index] = (this.#errors[index] as number) + 1;
      this.#errorSum++;
    }
    return this.rate();
  }

  /** Error share over the window, or 0 while it holds fewer than MIN_OUTCOMES_FOR_ABORT outcomes. */
  rate(): number {
    return this.#totalSum < MIN_OUTCOMES_FOR_ABORT ? 0 : this.#errorSum / this.#totalSum;
  }

  #advance(slot: number): void {
    if (this.#slot < 0) {
      this.#slot = slot;
      return;
    }
    const steps = Math.min(SLOTS, slot - this.#slot);
    for (let step = 1; step <= steps; step++) {
      const index = (this.#slot + step) % SLOTS;
      this.#errorSum -= this.#errors[index] as number;
      this.#totalSum -= this.#totals[index] as number;
      this.#errors[index] = 0;
      this.#totals[index] = 0;
    }
    if (slot > this.#slot) {
      this.#slot = slot;
    }
  }
}
