import { describe, expect, it } from "vitest";
import { ErrorRateWindow, MIN_OUTCOMES_FOR_ABORT } from "../../src/load/error-rate-window.js";

describe("ErrorRateWindow", () => {
  it("reads 0 below the minimum number of outcomes", () => {
    const window = new ErrorRateWindow();
    for (let index = 0; index < MIN_OUTCOMES_FOR_ABORT - 1; index++) {
      window.record(0, true);
    }
    expect(window.rate()).toBe(0);
    expect(window.record(0, true)).toBe(1);
  });

  it("forgets outcomes older than a second", () => {
    const window = new ErrorRateWindow();
    for (let index = 0; index < 40; index++) {
      window.record(50, true);
    }
    for (let index = 0; index < 40; index++) {
      window.record(600, false);
    }
    expect(window.rate()).toBe(0.5);
    window.record(1_050, false);
    expect(window.rate()).toBe(0);
  });
});
