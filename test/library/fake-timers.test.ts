import { afterEach, describe, expect, it, vi } from "vitest";
import { createSimulator, type Simulator } from "../../src/index.js";
import { FAKE_TIMERS_FOR_USER_CODE } from "../../src/vitest/index.js";

describe("simulator beside vitest fake timers", () => {
  let sim: Simulator | undefined;

  afterEach(async () => {
    vi.useRealTimers();
    await sim?.close();
    sim = undefined;
  });

  it("advances in step with faked user timers", async () => {
    sim = await createSimulator({
      start: "2026-03-01T00:00:00Z",
      listen: false,
      probes: [],
      traffic: { ratePerSecond: 1, duration: "2m" },
    });
    const current = sim;
    const clickIds: string[] = [];
    const signedAtSeconds: number[] = [];
    await current.addReceiver((request) => {
      signedAtSeconds.push(Number(request.headers["x-webhook-timestamp"]));
      clickIds.push(
        (JSON.parse(request.body.toString("utf8")) as { data: { click_id: string } }).data.click_id,
      );
      return { status: 200 };
    });
    vi.useFakeTimers({ toFake: [...FAKE_TIMERS_FOR_USER_CODE], now: current.now() });
    // The code under test: a job on setInterval that reads Date.now().
    const ticks: number[] = [];
    setInterval(() => ticks.push(Date.now()), 30_000);

    for (let step = 0; step < 6; step++) {
      await current.advance("30s");
      await vi.advanceTimersByTimeAsync(30_000);
    }

    expect(ticks).toEqual([1, 2, 3, 4, 5, 6].map((step) => current.startMs + step * 30_000));
    expect(Date.now()).toBe(current.now());
    expect(clickIds.length).toBe(current.groundTruth.humans().length);
    // Signature timestamps read Date.now(), so they follow the faked clock, within one step.
    const lastSignedMs = (signedAtSeconds.at(-1) ?? 0) * 1_000;
    expect(lastSignedMs).toBeGreaterThanOrEqual(current.startMs);
    expect(lastSignedMs).toBeLessThanOrEqual(current.now());
  });
});

describe("simulator under default fake timers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects advance with a faked setImmediate", async () => {
    const sim = await createSimulator({ listen: false, probes: [], traffic: false });
    try {
      vi.useFakeTimers();

      await expect(sim.advance("1m")).rejects.toThrow(
        "advance() cannot run while setImmediate is faked",
      );
    } finally {
      vi.useRealTimers();
      await sim.close();
    }
  });
});
