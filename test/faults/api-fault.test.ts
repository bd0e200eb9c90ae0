import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/api/server.js";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { ApiFaultPlan } from "../../src/faults/api-fault-plan.js";
import { send, startTestSimulator, T0, type TestSimulator } from "../api/control-harness.js";

let simulator: TestSimulator | undefined;

afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

const WINDOW = { startMs: T0 + 60_000, endMs: T0 + 120_000 };

function recentPath(target: TestSimulator): string {
  return `/v1/analytics/workspaces/${target.sim.workspace.id}/clicks/recent`;
}

async function startSimulator(seed = 1): Promise<TestSimulator> {
  simulator = await startTestSimulator({ seed }, { rateLimit: { enabled: false } });
  return simulator;
}

async function addFault(target: TestSimulator, fault: Record<string, unknown>): Promise<void> {
  const response = await target.call("POST", "/_sim/faults", { key: null, json: fault });
  expect(response.status, response.text).toBe(201);
}

describe("API faults", () => {
  it("forces 429s within the window only", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "rate_limit", name: "throttle", at: "1m", for: "1m" });

    const before = await target.call("GET", recentPath(target));
    target.clock.setNow(WINDOW.startMs + 15_500);
    const inside = await target.call("GET", recentPath(target));
    target.clock.setNow(WINDOW.endMs);
    const after = await target.call("GET", recentPath(target));
    const body = inside.body as Record<string, unknown>;

    expect(before.status).toBe(200);
    expect(inside.status).toBe(429);
    // 44.5 s to the end of the window, rounded up.
    expect(inside.headers["retry-after"]).toBe("45");
    expect(inside.headers["x-ratelimit-scope"]).toBe("workspace");
    expect(inside.headers["x-ratelimit-remaining"]).toBe("0");
    expect(body.error).toBe("rate_limited");
    expect(body.code).toBe("rate_limited");
    expect(body.retry_after_seconds).toBe(45);
    expect(body.request_id).toBe(inside.headers["x-request-id"]);
    expect(after.status).toBe(200);
    expect(target.sim.requestLog.all()[2]?.fault).toBe("throttle");
    expect(target.sim.requestLog.all()[2]?.retryAfterSeconds).toBe(45);
  });

  it("draws probable 429s reproducibly from the seed", async () => {
    const runs: number[][] = [];
    for (let run = 0; run < 2; run++) {
      const target = await startSimulator(7);
      await addFault(target, {
        type: "rate_limit",
        name: "flaky",
        for: "1m",
        probability: 0.5,
        retry_after: 3,
      });
      const statuses: number[] = [];
      for (let index = 0; index < 20; index++) {
        const response = await target.call("GET", recentPath(target));
        statuses.push(response.status);
        if (response.status === 429) {
          expect(response.headers["retry-after"]).toBe("3");
        }
      }
      runs.push(statuses);
      await target.close();
      simulator = undefined;
    }

    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toContain(429);
    expect(runs[0]).toContain(200);
  });

  it.each([
    [500, "internal_error"],
    [502, "bad_gateway"],
    [503, "service_unavailable"],
  ])("answers %i with the envelope in a 5xx window", async (status, code) => {
    const target = await startSimulator();
    await addFault(target, { type: "server_error", name: "broken", status, at: "1m", for: "1m" });

    const before = await target.call("GET", recentPath(target));
    target.clock.setNow(WINDOW.startMs);
    const inside = await target.call("GET", recentPath(target));
    target.clock.setNow(WINDOW.endMs);
    const after = await target.call("GET", recentPath(target));
    const body = inside.body as Record<string, unknown>;

    expect(before.status).toBe(200);
    expect(inside.status).toBe(status);
    expect(body.code).toBe(code);
    expect(body.error).toEqual(expect.any(String));
    expect(body.request_id).toBe(inside.headers["x-request-id"]);
    expect(inside.headers["retry-after"]).toBe(status === 503 ? "60" : undefined);
    expect(after.status).toBe(200);
  });

  it("leaves the webhook and control routes alone by default", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "server_error", status: 500, for: "1m" });

    expect((await target.call("GET", recentPath(target))).status).toBe(500);
    expect((await target.call("GET", "/v1/webhooks")).status).toBe(200);
    expect((await target.call("GET", "/_sim/clock", { key: null })).status).toBe(200);
    expect((await target.call("GET", "/openapi.json", { key: null })).status).toBe(200);
  });

  it("applies to the webhook routes when paths name them", async () => {
    const target = await startSimulator();
    await addFault(target, {
      type: "server_error",
      status: 502,
      for: "1m",
      paths: ["/v1/webhooks"],
    });

    expect((await target.call("GET", "/v1/webhooks")).status).toBe(502);
    expect((await target.call("GET", recentPath(target))).status).toBe(200);
  });

  it("answers 503 with Retry-After in an unavailable outage", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "outage", name: "down", response: "unavailable", for: "90s" });

    const inside = await target.call("GET", recentPath(target));
    target.clock.setNow(T0 + 90_000);
    const after = await target.call("GET", recentPath(target));

    expect(inside.status).toBe(503);
    expect(inside.headers["retry-after"]).toBe("90");
    expect((inside.body as Record<string, unknown>).code).toBe("service_unavailable");
    expect(after.status).toBe(200);
  });

  it("resets connections in a reset outage", async () => {
    const target = await startSimulator();
    await addFault(target, {
      type: "outage",
      name: "crash",
      response: "reset",
      at: "1m",
      for: "1m",
    });

    target.clock.setNow(WINDOW.startMs);
    const failure = await target.call("GET", recentPath(target)).catch((error: unknown) => error);
    const control = await target.call("GET", "/_sim/clock", { key: null });
    target.clock.setNow(WINDOW.endMs);
    const after = await target.call("GET", recentPath(target));

    expect(failure).toBeInstanceOf(Error);
    expect((failure as { code?: string }).code).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(control.status).toBe(200);
    expect(after.status).toBe(200);
  });

  it("rejects a refuse outage on a virtual clock", async () => {
    const target = await startSimulator();

    const response = await target.call("POST", "/_sim/faults", {
      key: null,
      json: { type: "outage", response: "refuse", at: "1m", for: "1m" },
    });

    expect(response.status).toBe(400);
    expect((response.body as Record<string, unknown>).error).toContain("virtual clock");
  });

  it("refuses connections in a refuse outage", async () => {
    const clock = new VirtualClock(T0);
    const sim = new Simulation({ clock, seed: 1 });
    const plan = new ApiFaultPlan({ scheduler: sim.scheduler, random: sim.random.fork("api") });
    plan.add({ kind: "outage", name: "dark", response: "refuse", ...WINDOW });
    const app = buildServer(sim, { apiFaults: plan, rateLimit: { enabled: false } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}`;
    const apiKey = sim.workspace.apiKeys[0] as string;
    const path = `/v1/analytics/workspaces/${sim.workspace.id}/clicks/recent`;
    try {
      const before = await send(baseUrl, apiKey, "GET", path);
      await sim.scheduler.runUntil(WINDOW.startMs);
      const failure = await send(baseUrl, apiKey, "GET", path).catch((error: unknown) => error);
      await sim.scheduler.runUntil(WINDOW.endMs);
      const after = await send(baseUrl, apiKey, "GET", path);

      expect(before.status).toBe(200);
      expect((failure as { code?: string }).code).toBe("ECONNREFUSED");
      expect(after.status).toBe(200);
      expect((app.server.address() as AddressInfo).port).toBe(port);
    } finally {
      await app.close();
      await sim.close();
    }
  });

  it("closes cleanly during a refuse outage", async () => {
    const clock = new VirtualClock(T0);
    const sim = new Simulation({ clock, seed: 1 });
    const plan = new ApiFaultPlan({ scheduler: sim.scheduler, random: sim.random.fork("api") });
    plan.add({ kind: "outage", name: "dark", response: "refuse", ...WINDOW });
    const app = buildServer(sim, { apiFaults: plan });
    await app.listen({ host: "127.0.0.1", port: 0 });
    await sim.scheduler.runUntil(WINDOW.startMs);

    await expect(app.close()).resolves.toBeUndefined();
    await sim.close();
  });

  it("holds responses back in a latency window", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "latency", name: "slow", latency: "5s", for: "1m" });

    let settled = false;
    const pending = target.call("GET", recentPath(target)).then((response) => {
      settled = true;
      return response;
    });
    const control = await target.call("GET", "/_sim/clock", { key: null });
    const untouched = await target.call("GET", "/v1/webhooks");
    const settledBefore = settled;
    await target.sim.scheduler.runUntil(T0 + 5_000);
    const delayed = await pending;

    expect(control.status).toBe(200);
    expect(untouched.status).toBe(200);
    expect(settledBefore).toBe(false);
    expect(delayed.status).toBe(200);
    expect(delayed.headers["x-sim-now"]).toBe("2026-05-15T09:00:05.000Z");
    expect(target.sim.requestLog.all().find((entry) => entry.fault === "slow")).toBeDefined();
  });

  it("slows ingestion during a lag spike", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "ingestion_lag", name: "incident", lag_p99: "30m", for: "1m" });
    await addFault(target, { type: "rate_limit", name: "unused", at: "2h", for: "1m" });

    await target.call("POST", "/_sim/traffic", { key: null, json: { clicks: 50 } });
    target.clock.setNow(T0 + 120_000);
    await target.call("POST", "/_sim/traffic", { key: null, json: { clicks: 50 } });
    const humans = target.sim.groundTruth.humans();
    const spikeLags = humans.slice(0, 50).map((r) => r.visibleAtMs - r.occurredAtUs / 1_000);
    const steadyLags = humans.slice(50).map((r) => r.visibleAtMs - r.occurredAtUs / 1_000);

    expect(Math.max(...spikeLags)).toBeGreaterThan(60_000);
    expect(Math.max(...steadyLags)).toBeLessThan(60_000);
  });

  it("records window edges in the timeline", async () => {
    const target = await startSimulator();
    await addFault(target, { type: "rate_limit", name: "throttle", at: "1m", for: "1m" });

    await target.sim.scheduler.runUntil(T0 + 180_000);
    const faults = (await target.call("GET", "/_sim/faults", { key: null })).body as {
      timeline: Array<Record<string, unknown>>;
    };

    expect(faults.timeline).toEqual([
      expect.objectContaining({ name: "throttle", phase: "start", at: "2026-05-15T09:01:00.000Z" }),
      expect.objectContaining({ name: "throttle", phase: "end", at: "2026-05-15T09:02:00.000Z" }),
    ]);
    expect(
      target.sim.dispatcher.timeline.entries().map((entry) => [entry.kind, entry.fault]),
    ).toEqual([
      ["api_rate_limit", "throttle"],
      ["api_rate_limit", "throttle"],
    ]);
  });
});
