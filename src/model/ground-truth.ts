import type { RecordedClick } from "./click.js";

/**
 * Every redirect the simulator served, bot or human, in the order they occurred. Scoring compares
 * what an integration recorded against this.
 */
export class GroundTruth {
  readonly #clicks: RecordedClick[] = [];
  readonly #byId = new Map<string, RecordedClick>();

  add(recorded: RecordedClick): void {
    this.#clicks.push(recorded);
    this.#byId.set(recorded.click.click_id, recorded);
  }

  get(clickId: string): RecordedClick | undefined {
    return this.#byId.get(clickId);
  }

  all(): readonly RecordedClick[] {
    return this.#clicks;
  }

  humans(): RecordedClick[] {
    return this.#clicks.filter((recorded) => !recorded.bot);
  }

  get size(): number {
    return this.#clicks.length;
  }
}
