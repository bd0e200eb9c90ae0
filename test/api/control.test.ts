import { afterEach, describe, expect, it } from "vitest";
import { ControlledReceiverOutages } from "../../src/api/routes/control-faults.js";
import { buildServer } from "../../src/api/server.js";
import { ScaledClock } from "../../src/clock/scaled-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";
import {
  BROWSER_HEADERS,
  send,
  startTestSimulator,
  T0,
  type TestSimulator,
} from "./control-harness.js";

let simulator: TestSimulator | undefined;
let receiver: RecordingServer | undefined;

afterEach(async () => {
  await simulator?.close();
  await receiver?.close();
  simulator = undefined;
  receiver = undefined;
});

async function start(withOutages = false): Promise<TestSimulator> {
  const outages = new ControlledReceiverOutages();
  simulator = await startTestSimulator(
    {},
    withOutages ? { control: { receiverOutages: outages } } : {},
  );
  if (withOutages) {
    simulator.sim.dispatcher.setFaults(outages);
  }
  return simulator;
}

function control(target: TestSimulator, method: "GET" | "POST", path: string, json?: unknown) {
  return target.call(method, path, { key: null, ...(json === undefined ? {} : { json }) });
}

describe("control API clock", () => {
  it("reads the virtual clock", async () => {
    const target = await start();

    const response = await control(target, "GET", "/_sim/clock");

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      now: "2026-05-15T09:00:00.000Z",
      now_ms: T0,
      mode: "virtual",
      speed: null,
    });
  });

  it("advances by a duration and runs due work", async () => {
    const target = await start();
    await control(target, "POST", "/_sim/traffic", { clicks: 3 });

    const response = await control(target, "POST", "/_sim/clock/advance", { by: "21m" });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      now: "2026-05-15T09:21:00.000Z",
      advanced_ms: 1_260_000,
    });
    expect(target.sim.deliveryLog.all()).toHaveLength(0);
    expect(
      target.sim.groundTruth
        .humans()
        .every((recorded) => recorded.visibleAtMs <= target.clock.now()),
    ).toBe(true);
  });

  it("advances to an RFC 3339 time", async () => {
    const target = await start();

    const response = await control(target, "POST", "/_sim/clock/advance", {
      to: "2026-05-15T10:00:00Z",
    });

    expect(response.status).toBe(200);
    expect(target.clock.now()).toBe(T0 + 3_600_000);
  });

  it.each([
    ["no field", {}, "exactly one of by"],
    ["both fields", { by: "1m", to: "2026-05-15T10:00:00Z" }, "exactly one of by"],
    ["a bad duration", { by: "soon" }, 'got "soon"'],
    ["a time in the past", { to: "2026-05-15T08:00:00Z" }, "not before"],
    ["an unknown field", { by: "1m", speed: 2 }, "must NOT have additional properties"],
    ["more than 30 days", { by: "31d" }, "at most 30 days"],
  ])("rejects %s", async (_label, json, message) => {
    const target = await start();

    const response = await control(target, "POST", "/_sim/clock/advance", json);
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.error).toContain(message);
    expect(target.clock.now()).toBe(T0);
  });

  it("rejects an advance of a scaled clock", async () => {
    const sim = new Simulation({ clock: new ScaledClock(10, T0), seed: 1 });
    const app = buildServer(sim);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address() as { port: number };
    try {
      const response = await send(
        `http://127.0.0.1:${address.port}`,
        "",
        "POST",
        "/_sim/clock/advance",
        { key: null, json: { by: "1m" } },
      );

      expect(response.status).toBe(400);
      expect((response.body as Record<string, unknown>).error).toContain(
        "Cannot advance a scaled clock",
      );
    } finally {
      await app.close();
      await sim.close();
    }
  });
});

describe("control API traffic", () => {
  it("adds clicks now on a chosen link", async () => {
    const target = await start();
    const linkId = target.sim.workspace.links[1]?.link_id;

    const response = await control(target, "POST", "/_sim/traffic", { clicks: 4, link_id: linkId });
    const body = response.body as { clicks: number; click_ids: string[] };

    expect(response.status).toBe(201);
    expect(body.clicks).toBe(4);
    expect(target.sim.groundTruth.humans().map((recorded) => recorded.click.click_id)).toEqual(
      body.click_ids,
    );
    expect(target.sim.groundTruth.humans().every((r) => r.click.link_id === linkId)).toBe(true);
  });

  it("adds a rate window", async () => {
    const target = await start();

    const response = await control(target, "POST", "/_sim/traffic", { rate: 2, for: "1m" });
    await control(target, "POST", "/_sim/clock/advance", { by: "2m" });

    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      start: "2026-05-15T09:00:00.000Z",
      end: "2026-05-15T09:01:00.000Z",
      rate: 2,
    });
    expect(target.sim.groundTruth.size).toBeGreaterThan(60);
    expect(target.sim.groundTruth.size).toBeLessThan(180);
  });

  it.each([
    ["nothing", {}, "expected clicks"],
    ["clicks and rate", { clicks: 1, rate: 1, for: "1m" }, "not both"],
    ["an unknown link", { clicks: 1, link_id: 1 }, "Invalid link_id 1"],
    ["a zero count", { clicks: 0 }, "clicks"],
    ["a bad window", { rate: 1, for: "later" }, 'got "later"'],
  ])("rejects %s", async (_label, json, message) => {
    const target = await start();

    const response = await control(target, "POST", "/_sim/traffic", json);
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.error).toContain(message);
    expect(target.sim.groundTruth.size).toBe(0);
  });
});

describe("control API faults", () => {
  it("schedules a receiver outage for the dispatcher", async () => {
    const target = await start(true);
    receiver = await createRecordingServer(200);
    await control(target, "POST", "/_sim/webhooks", { url: receiver.url });

    const response = await control(target, "POST", "/_sim/faults", {
      type: "receiver_outage",
      name: "receiver-down",
      for: "30m",
    });
    await control(target, "POST", "/_sim/traffic", { clicks: 1 });
    await control(target, "POST", "/_sim/clock/advance", { by: "25m" });
    const summary = await control(target, "GET", "/_sim/deliveries");

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ type: "receiver_outage", name: "receiver-down" });
    expect(receiver.requests).toHaveLength(0);
    expect(summary.body).toMatchObject({
      deliveries: 1,
      by_status: { pending: 0, succeeded: 0, failed: 1 },
      attempts: 4,
      failed_attempts: 4,
      notifications: 1,
    });
  });

  it("rejects a receiver outage without a controlled plan", async () => {
    const target = await start(false);

    const response = await control(target, "POST", "/_sim/faults", {
      type: "receiver_outage",
      for: "1m",
    });

    expect(response.status).toBe(400);
    expect((response.body as Record<string, unknown>).error).toContain("Receiver outages");
  });

  it.each([
    ["an unknown type", { type: "meteor", for: "1m" }],
    ["a field of another type", { type: "latency", for: "1m", status: 500 }],
    ["a missing latency", { type: "latency", for: "1m" }],
    ["a zero window", { type: "rate_limit", for: "0s" }],
    ["a probability above 1", { type: "rate_limit", for: "1m", probability: 2 }],
    ["a path outside /v1/", { type: "rate_limit", for: "1m", paths: ["/_sim/"] }],
  ])("rejects %s", async (_label, json) => {
    const target = await start();

    const response = await control(target, "POST", "/_sim/faults", json);

    expect(response.status).toBe(400);
    expect((response.body as Record<string, unknown>).code).toBe("validation_failed");
    expect((await control(target, "GET", "/_sim/faults")).body).toMatchObject({ api: [] });
  });

  it("rejects a taken fault name", async () => {
    const target = await start();
    await control(target, "POST", "/_sim/faults", { type: "rate_limit", name: "x", for: "1m" });

    const response = await control(target, "POST", "/_sim/faults", {
      type: "latency",
      name: "x",
      latency: "1s",
      for: "1m",
    });

    expect(response.status).toBe(400);
    expect((response.body as Record<string, unknown>).error).toContain('"x" is taken');
  });
});

describe("control API logs", () => {
  it("pages the ground truth and filters bots", async () => {
    const target = await start();
    const slug = target.sim.workspace.links[0]?.slug as string;
    for (const headers of [BROWSER_HEADERS, { "user-agent": "curl/8.5.0" }, BROWSER_HEADERS]) {
      await target.call("GET", `/r/${slug}`, { key: null, headers });
    }

    const all = await control(target, "GET", "/_sim/ground-truth?limit=2");
    const second = await control(target, "GET", "/_sim/ground-truth?limit=2&offset=2");
    const bots = await control(target, "GET", "/_sim/ground-truth?bot=true");
    const bad = await control(target, "GET", "/_sim/ground-truth?bot=maybe");

    expect(all.body).toMatchObject({ total: 3, offset: 0 });
    expect((all.body as { items: unknown[] }).items).toHaveLength(2);
    expect((second.body as { items: unknown[] }).items).toHaveLength(1);
    expect(bots.body).toMatchObject({ total: 1, items: [{ bot: true, visible_at: null }] });
    expect(bad.status).toBe(400);
    expect((bad.body as Record<string, unknown>).error).toBe(
      'Invalid query parameter bot: expected true or false, got "maybe".',
    );
  });

  it("filters the request log by path and status", async () => {
    const target = await start();
    await target.call("GET", "/v1/webhooks");
    await target.call("GET", "/v1/webhooks", { key: null });

    const unauthorized = await control(target, "GET", "/_sim/requests?path=/v1/&status=401");
    const bad = await control(target, "GET", "/_sim/requests?status=abc");
    const unknown = await control(target, "GET", "/_sim/requests?colour=red");

    expect(unauthorized.body).toMatchObject({
      total: 1,
      items: [{ method: "GET", path: "/v1/webhooks", status: 401 }],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as Record<string, unknown>).error).toContain("expected an integer");
    expect(unknown.status).toBe(400);
    expect((unknown.body as Record<string, unknown>).error).toContain('"colour"');
  });

  it("registers a webhook that /v1/webhooks lists", async () => {
    const target = await start();

    const created = await control(target, "POST", "/_sim/webhooks", {
      url: "http://127.0.0.1:9/webhook",
      secret: "whsec_test-secret",
    });
    const listed = await target.call("GET", "/v1/webhooks");
    const invalid = await control(target, "POST", "/_sim/webhooks", { url: "ftp://x" });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ secret: "whsec_test-secret", events: ["click.recorded"] });
    expect((listed.body as { items: unknown[] }).items).toHaveLength(1);
    expect(invalid.status).toBe(400);
  });
});
