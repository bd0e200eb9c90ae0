import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");

describe("VirtualClock", () => {
  it("starts at the given time", () => {
    const clock = new VirtualClock(T0);

    expect(clock.now()).toBe(T0);
    expect(clock.mode).toBe("virtual");
    expect(clock.speed).toBe(Number.POSITIVE_INFINITY);
  });

  it("fires by due time, then creation", () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push("c@300"));
    clock.setTimer(100, () => fired.push("a@100"));
    clock.setTimer(200, () => fired.push("b1@200"));
    clock.setTimer(200, () => fired.push("b2@200"));
    clock.setTimer(100, () => fired.push("a2@100"));

    clock.setNow(T0 + 1_000);
    const count = clock.fireDue();

    expect(count).toBe(5);
    expect(fired).toEqual(["a@100", "a2@100", "b1@200", "b2@200", "c@300"]);
  });

  it("matches a sorted order for many timers", () => {
    const clock = new VirtualClock(T0);
    const expected: Array<{ dueMs: number; order: number }> = [];
    const fired: number[] = [];
    // A fixed linear congruential sequence gives repeatable due times with many ties.
    let state = 12_345;
    for (let order = 0; order < 2_000; order++) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      const dueMs = state % 500;
      expected.push({ dueMs, order });
      clock.setTimer(dueMs, () => fired.push(order));
    }
    expected.sort((a, b) => a.dueMs - b.dueMs || a.order - b.order);

    clock.setNow(T0 + 500);
    clock.fireDue();

    expect(fired).toEqual(expected.map((timer) => timer.order));
  });

  it("fires only timers already due", () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimer(100, () => fired.push(100));
    clock.setTimer(200, () => fired.push(200));

    clock.setNow(T0 + 100);
    const count = clock.fireDue();

    expect(count).toBe(1);
    expect(fired).toEqual([100]);
    expect(clock.pendingCount).toBe(1);
  });

  it("fires a zero-delay timer set while firing", () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer(0, () => {
      fired.push("outer");
      clock.setTimer(0, () => fired.push("inner"));
    });

    const count = clock.fireDue();

    expect(count).toBe(2);
    expect(fired).toEqual(["outer", "inner"]);
  });

  it("treats a negative delay as zero", () => {
    const clock = new VirtualClock(T0);
    clock.setTimer(-5_000, () => {});

    expect(clock.nextDueMs()).toBe(T0);
  });

  it("skips a cleared timer", () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer(100, () => fired.push("kept"));
    const cleared = clock.setTimer(50, () => fired.push("cleared"));

    clock.clearTimer(cleared);
    clock.setNow(T0 + 1_000);
    const count = clock.fireDue();

    expect(count).toBe(1);
    expect(fired).toEqual(["kept"]);
  });

  it("counts pending timers after clearing", () => {
    const clock = new VirtualClock(T0);
    const first = clock.setTimer(100, () => {});
    clock.setTimer(200, () => {});

    expect(clock.pendingCount).toBe(2);

    clock.clearTimer(first);

    expect(clock.pendingCount).toBe(1);

    clock.clearTimer(first);

    expect(clock.pendingCount).toBe(1);
  });

  it("ignores clearing an already fired timer", () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    const early = clock.setTimer(100, () => fired.push("early"));
    clock.setTimer(500, () => fired.push("late"));
    clock.setNow(T0 + 100);
    clock.fireDue();

    clock.clearTimer(early);

    expect(clock.pendingCount).toBe(1);
    expect(clock.nextDueMs()).toBe(T0 + 500);

    clock.setNow(T0 + 500);
    const count = clock.fireDue();

    expect(count).toBe(1);
    expect(fired).toEqual(["early", "late"]);
    expect(clock.pendingCount).toBe(0);
  });

  it("reports the earliest pending due time", () => {
    const clock = new VirtualClock(T0);

    expect(clock.nextDueMs()).toBeUndefined();

    const first = clock.setTimer(300, () => {});
    clock.setTimer(700, () => {});

    expect(clock.nextDueMs()).toBe(T0 + 300);

    clock.clearTimer(first);

    expect(clock.nextDueMs()).toBe(T0 + 700);

    clock.setNow(T0 + 700);
    clock.fireDue();

    expect(clock.nextDueMs()).toBeUndefined();
  });

  it("moves forward without firing", () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimer(100, () => fired.push(100));

    clock.setNow(T0 + 5_000);

    expect(clock.now()).toBe(T0 + 5_000);
    expect(fired).toEqual([]);
    expect(clock.pendingCount).toBe(1);
  });

  it("measures new delays from the current time", () => {
    const clock = new VirtualClock(T0);
    clock.setNow(T0 + 1_000);

    clock.setTimer(250, () => {});

    expect(clock.nextDueMs()).toBe(T0 + 1_250);
  });

  it("rejects moving time backwards", () => {
    const clock = new VirtualClock(T0);
    clock.setNow(T0 + 1_000);

    expect(() => clock.setNow(T0 + 999)).toThrow(RangeError);
    expect(() => clock.setNow(T0 + 999)).toThrow(/back from/);
    expect(clock.now()).toBe(T0 + 1_000);
  });

  it("accepts setting the same time", () => {
    const clock = new VirtualClock(T0);

    clock.setNow(T0);

    expect(clock.now()).toBe(T0);
  });
});
