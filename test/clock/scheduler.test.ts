import { describe, expect, it } from "vitest";
import { Scheduler, SchedulerLoopLimitError } from "../../src/clock/scheduler.js";
import { VirtualClock } from "../../src/clock/virtual-clock.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");

function sleepRealMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function virtualScheduler(options: ConstructorParameters<typeof Scheduler>[1] = {}) {
  const clock = new VirtualClock(T0);
  return { clock, scheduler: new Scheduler(clock, options) };
}

describe("Scheduler", () => {
  it("runs due tasks in order", async () => {
    const { scheduler } = virtualScheduler();
    const ran: Array<{ name: string; atMs: number }> = [];
    const record = (name: string) => () => ran.push({ name, atMs: scheduler.now() });
    scheduler.after(300, record("c"));
    scheduler.after(100, record("a"));
    scheduler.at(T0 + 200, record("b"));

    await scheduler.runUntil(T0 + 1_000);

    expect(ran).toEqual([
      { name: "a", atMs: T0 + 100 },
      { name: "b", atMs: T0 + 200 },
      { name: "c", atMs: T0 + 300 },
    ]);
  });

  it("sets now to the target", async () => {
    const { clock, scheduler } = virtualScheduler();
    scheduler.after(100, () => {});

    await scheduler.runUntil(T0 + 1_000);

    expect(clock.now()).toBe(T0 + 1_000);
  });

  it("leaves later tasks scheduled", async () => {
    const { scheduler } = virtualScheduler();
    const ran: string[] = [];
    scheduler.after(100, () => ran.push("due"));
    scheduler.after(2_000, () => ran.push("later"));

    await scheduler.runUntil(T0 + 1_000);

    expect(ran).toEqual(["due"]);
    expect(scheduler.scheduledCount).toBe(1);
  });

  it("runs a past task at the next step", async () => {
    const { clock, scheduler } = virtualScheduler();
    clock.setNow(T0 + 500);
    const ranAt: number[] = [];

    scheduler.at(T0, () => ranAt.push(scheduler.now()));
    await scheduler.runUntil(T0 + 500);

    expect(ranAt).toEqual([T0 + 500]);
  });

  it("skips a cancelled task", async () => {
    const { scheduler } = virtualScheduler();
    const ran: string[] = [];
    const cancelled = scheduler.after(100, () => ran.push("cancelled"));
    scheduler.after(200, () => ran.push("kept"));

    scheduler.cancel(cancelled);
    await scheduler.runUntil(T0 + 1_000);

    expect(ran).toEqual(["kept"]);
    expect(scheduler.scheduledCount).toBe(0);
  });

  it("awaits async tasks before moving time", async () => {
    const { scheduler } = virtualScheduler();
    const ran: Array<{ name: string; atMs: number }> = [];
    scheduler.after(100, async () => {
      // Real I/O-like work that takes wall-clock time, then schedules a follow-up at once.
      await sleepRealMs(20);
      ran.push({ name: "slow task done", atMs: scheduler.now() });
      scheduler.after(0, () => ran.push({ name: "follow-up", atMs: scheduler.now() }));
    });
    scheduler.after(200, () => ran.push({ name: "next task", atMs: scheduler.now() }));

    await scheduler.runUntil(T0 + 1_000);

    expect(ran).toEqual([
      { name: "slow task done", atMs: T0 + 100 },
      { name: "follow-up", atMs: T0 + 100 },
      { name: "next task", atMs: T0 + 200 },
    ]);
  });

  it("waits for tracked work before returning", async () => {
    const { scheduler } = virtualScheduler();
    let settled = false;

    scheduler.track(sleepRealMs(20).then(() => (settled = true)));
    await scheduler.runUntil(T0 + 100);

    expect(settled).toBe(true);
    expect(scheduler.inflightCount).toBe(0);
  });

  it("reports quiet once drained", async () => {
    const { clock, scheduler } = virtualScheduler();
    const ran: number[] = [];
    scheduler.after(100, () => ran.push(100));
    scheduler.after(300, async () => {
      await sleepRealMs(5);
      ran.push(300);
    });

    const quiet = await scheduler.runUntilQuiet(T0 + 60_000);

    expect(quiet).toBe(true);
    expect(ran).toEqual([100, 300]);
    expect(clock.now()).toBe(T0 + 300);
    expect(scheduler.scheduledCount).toBe(0);
    expect(scheduler.inflightCount).toBe(0);
  });

  it("reports quiet with nothing scheduled", async () => {
    const { clock, scheduler } = virtualScheduler();

    const quiet = await scheduler.runUntilQuiet(T0 + 60_000);

    expect(quiet).toBe(true);
    expect(clock.now()).toBe(T0);
  });

  it("reports not quiet at the deadline", async () => {
    const { clock, scheduler } = virtualScheduler();
    const ran: number[] = [];
    scheduler.after(100, () => ran.push(100));
    scheduler.after(5_000, () => ran.push(5_000));

    const quiet = await scheduler.runUntilQuiet(T0 + 1_000);

    expect(quiet).toBe(false);
    expect(ran).toEqual([100]);
    expect(clock.now()).toBe(T0 + 1_000);
    expect(scheduler.scheduledCount).toBe(1);
  });

  it("stops a zero-delay loop", async () => {
    const maxEvents = 1_000;
    const { scheduler } = virtualScheduler({ maxEvents });
    // A bound on the loop keeps a broken limit from hanging the test worker.
    const safetyLimit = 100 * maxEvents;
    let runs = 0;
    const reschedule = (): void => {
      runs++;
      if (runs < safetyLimit) {
        scheduler.after(0, reschedule);
      }
    };
    scheduler.after(0, reschedule);

    const error = await scheduler.runUntil(T0 + 60_000).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SchedulerLoopLimitError);
    expect(runs).toBeLessThanOrEqual(maxEvents + 1);
  });

  it("stops a loop that moves time", async () => {
    const maxEvents = 1_000;
    const { scheduler } = virtualScheduler({ maxEvents });
    let runs = 0;
    const reschedule = (): void => {
      runs++;
      scheduler.after(1, reschedule);
    };
    scheduler.after(1, reschedule);

    const error = await scheduler.runUntilQuiet(T0 + 3_600_000).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SchedulerLoopLimitError);
    expect((error as SchedulerLoopLimitError).code).toBe("ELIDO_SIM_ERR_SCHEDULER_LOOP_LIMIT");
    expect((error as Error).message).toContain("did not drain");
    expect((error as Error).message).toContain(`Stopped after ${maxEvents} events`);
    expect((error as Error).message).toContain("2026-05-15T09:00:01.000Z");
    expect(runs).toBe(maxEvents);
  });

  it("sends task errors to onTaskError", async () => {
    const errors: unknown[] = [];
    const { scheduler } = virtualScheduler({ onTaskError: (error) => errors.push(error) });
    const ran: string[] = [];
    const syncFailure = new Error("sync failure");
    const asyncFailure = new Error("async failure");
    scheduler.after(100, () => {
      throw syncFailure;
    });
    scheduler.after(200, async () => {
      await sleepRealMs(5);
      throw asyncFailure;
    });
    scheduler.after(300, () => ran.push("after the failures"));

    const quiet = await scheduler.runUntilQuiet(T0 + 1_000);

    expect(errors).toEqual([syncFailure, asyncFailure]);
    expect(ran).toEqual(["after the failures"]);
    expect(quiet).toBe(true);
  });

  it("sends tracked rejections to onTaskError", async () => {
    const errors: unknown[] = [];
    const { scheduler } = virtualScheduler({ onTaskError: (error) => errors.push(error) });
    const failure = new Error("tracked failure");

    const tracked = scheduler.track(Promise.reject(failure));
    await scheduler.runUntil(T0 + 100);

    expect(errors).toEqual([failure]);
    await expect(tracked).rejects.toBe(failure);
  });

  it("rethrows a task error by default", async () => {
    const { scheduler } = virtualScheduler();
    const failure = new Error("sync failure");
    scheduler.after(100, () => {
      throw failure;
    });

    await expect(scheduler.runUntil(T0 + 1_000)).rejects.toBe(failure);
  });

  it("rethrows an async task error by default", async () => {
    const unhandled: unknown[] = [];
    const recordUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", recordUnhandled);
    try {
      const { scheduler } = virtualScheduler();
      const failure = new Error("async failure");
      scheduler.after(100, async () => {
        await sleepRealMs(5);
        throw failure;
      });

      const error = await scheduler.runUntil(T0 + 1_000).catch((caught: unknown) => caught);
      // Node reports unhandled rejections after the microtask queue drains, so two event
      // loop turns are enough for one to arrive.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await new Promise((resolve) => setImmediate(resolve));

      expect(error).toBe(failure);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", recordUnhandled);
    }
  });
});
