import { describe, expect, it } from "vitest";
import { RealClock, ScaledClock } from "../../src/clock/scaled-clock.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");

function sleepRealMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("ScaledClock", () => {
  it.each([
    ["zero", 0],
    ["a negative speed", -2],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
  ])("rejects %s as speed", (_label, speed) => {
    expect(() => new ScaledClock(speed, T0)).toThrow(RangeError);
    expect(() => new ScaledClock(speed, T0)).toThrow(`Invalid clock speed ${speed}`);
    expect(() => new ScaledClock(speed, T0)).toThrow("expected a finite number > 0");
  });

  it("reports scaled mode and speed", () => {
    const clock = new ScaledClock(100, T0);

    expect(clock.mode).toBe("scaled");
    expect(clock.speed).toBe(100);
  });

  it("starts at the given time", () => {
    // At speed 0.001, one simulated millisecond takes a real second, so the check is not timed.
    const clock = new ScaledClock(0.001, T0);
    const elapsedMs = clock.now() - T0;

    expect(elapsedMs).toBeGreaterThanOrEqual(0);
    expect(elapsedMs).toBeLessThan(1);
  });

  it("runs about speed times faster", async () => {
    const clock = new ScaledClock(100, T0);
    const before = clock.now();

    await sleepRealMs(50);
    const advancedMs = clock.now() - before;

    // 50 real ms at speed 100 is 5 simulated seconds. The bounds leave room for a slow machine.
    expect(advancedMs).toBeGreaterThanOrEqual(2_500);
    expect(advancedMs).toBeLessThan(20_000);
  });

  it("fires a timer after delay/speed", async () => {
    const clock = new ScaledClock(100, T0);
    const setAt = clock.now();

    const firedAt = await new Promise<number>((resolve) => {
      clock.setTimer(5_000, () => resolve(clock.now()));
    });

    // Node may fire a timer up to 1 ms early, which is 100 simulated ms at this speed.
    expect(firedAt - setAt).toBeGreaterThanOrEqual(4_900);
  });

  it("fires timers in delay order", async () => {
    const clock = new ScaledClock(1_000, T0);
    const fired: string[] = [];

    await new Promise<void>((resolve) => {
      clock.setTimer(40_000, () => {
        fired.push("late");
        resolve();
      });
      clock.setTimer(10_000, () => fired.push("early"));
    });

    expect(fired).toEqual(["early", "late"]);
  });

  it("does not fire a cleared timer", async () => {
    const clock = new ScaledClock(1_000, T0);
    const fired: string[] = [];
    const cleared = clock.setTimer(5_000, () => fired.push("cleared"));

    clock.clearTimer(cleared);
    await new Promise<void>((resolve) => {
      clock.setTimer(20_000, () => {
        fired.push("kept");
        resolve();
      });
    });

    expect(fired).toEqual(["kept"]);
  });

  it("ignores clearing a fired timer", async () => {
    const clock = new ScaledClock(1_000, T0);
    let handle: ReturnType<ScaledClock["setTimer"]> | undefined;
    await new Promise<void>((resolve) => {
      handle = clock.setTimer(1_000, resolve);
    });

    expect(() => clock.clearTimer(handle as NonNullable<typeof handle>)).not.toThrow();
  });
});

describe("RealClock", () => {
  it("reports real mode at speed 1", () => {
    const clock = new RealClock(T0);

    expect(clock.mode).toBe("real");
    expect(clock.speed).toBe(1);
  });

  it("defaults to the wall clock", () => {
    const before = Date.now();
    const clock = new RealClock();
    const nowMs = clock.now();
    const after = Date.now();

    // Date.now() counts whole milliseconds, so the upper bound allows one more.
    expect(nowMs).toBeGreaterThanOrEqual(before);
    expect(nowMs).toBeLessThanOrEqual(after + 1);
  });

  it("reports real mode for ScaledClock speed 1", () => {
    const clock = new ScaledClock(1, T0);

    expect(clock.mode).toBe("real");
  });
});
