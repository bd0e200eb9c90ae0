import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/api/server.js";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const MINUTE = 60_000;
const SECRET = "whsec_delivery-log-test";

let sim: Simulation;
let app: FastifyInstance;
let baseUrl: string;
let apiKey: string;
const receivers: RecordingServer[] = [];

beforeEach(async () => {
  sim = new Simulation({ clock: new VirtualClock(T0), seed: 7 });
  app = buildServer(sim);
  await app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  apiKey = sim.workspace.apiKeys[0] as string;
});

afterEach(async () => {
  await app.close();
  await sim.close();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function call(method: "GET" | "POST", path: string, json?: unknown) {
  const response = await request(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.body.text();
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are checked field by field below.
  return { status: response.statusCode, body: JSON.parse(text) as any };
}

/** Registers one endpoint answering `status` and delivers `count` events, one a minute. */
async function deliverEvents(status: number, count: number) {
  const receiver = await createRecordingServer(status);
  receivers.push(receiver);
  const endpoint = sim.endpoints.register(receiver.url, ["click.recorded"], T0, SECRET);
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("no link");
  }
  for (let index = 0; index < count; index++) {
    sim.scheduler.at(T0 + index * MINUTE, () => {
      const click = sim.createDetachedClick(link, sim.clock.now() * 1_000);
      sim.dispatcher.deliver(
        endpoint,
        buildClickEvent(`evt_${index}`, click.occurred_at, click),
        click.click_id,
      );
    });
  }
  await sim.scheduler.runUntilQuiet(T0 + 120 * MINUTE);
  return { endpoint, receiver };
}

describe("delivery log API", () => {
  it("lists deliveries with filters and a cursor", async () => {
    const { endpoint } = await deliverEvents(200, 5);

    const first = await call("GET", "/v1/webhooks/deliveries?limit=2&status=succeeded");
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(5);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0].event_id).toBe("evt_0");
    expect(first.body.items[0].endpoint_id).toBe(endpoint.id);
    expect(first.body.items[0].last_attempt.status_code).toBe(200);

    const second = await call(
      "GET",
      `/v1/webhooks/deliveries?limit=2&status=succeeded&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.items.map((item: { event_id: string }) => item.event_id)).toEqual([
      "evt_2",
      "evt_3",
    ]);

    const windowed = await call(
      "GET",
      "/v1/webhooks/deliveries?from=2026-05-15T09:01:00Z&to=2026-05-15T09:03:00Z",
    );
    expect(windowed.body.items.map((item: { event_id: string }) => item.event_id)).toEqual([
      "evt_1",
      "evt_2",
    ]);
    expect(windowed.body.next_cursor).toBeNull();

    const byEvent = await call("GET", "/v1/webhooks/deliveries?event_id=evt_4");
    expect(byEvent.body.total).toBe(1);
    const byOffset = await call("GET", "/v1/webhooks/deliveries?offset=4");
    expect(byOffset.body.items[0].event_id).toBe("evt_4");
  });

  it("shows every attempt of one delivery", async () => {
    await deliverEvents(503, 1);
    const listed = await call("GET", "/v1/webhooks/deliveries?status=failed");
    const id = listed.body.items[0].id as string;

    const detail = await call("GET", `/v1/webhooks/deliveries/${id}`);

    expect(detail.status).toBe(200);
    expect(
      detail.body.attempts.map((attempt: { started_at: string }) => attempt.started_at),
    ).toEqual([
      "2026-05-15T09:00:00.000Z",
      "2026-05-15T09:01:00.000Z",
      "2026-05-15T09:06:00.000Z",
      "2026-05-15T09:21:00.000Z",
    ]);
    expect(detail.body.attempts[3].status_code).toBe(503);
    expect(detail.body.failure_reason).toBe("http_error");
    expect(detail.body.body).toContain('"id":"evt_0"');
  });

  it("lists permanent failures as notifications", async () => {
    await deliverEvents(500, 2);

    const notifications = await call("GET", "/v1/webhooks/notifications");

    expect(notifications.status).toBe(200);
    expect(notifications.body.total).toBe(2);
    expect(notifications.body.items[0]).toMatchObject({
      event_id: "evt_0",
      attempts: 4,
      reason: "http_error",
      failed_at: "2026-05-15T09:21:00.000Z",
    });
  });

  it("redelivers with the same event id and a new delivery id", async () => {
    const { receiver } = await deliverEvents(200, 1);
    const original = (await call("GET", "/v1/webhooks/deliveries")).body.items[0];

    const redelivered = await call("POST", `/v1/webhooks/deliveries/${original.id}/redeliver`);
    await sim.scheduler.runUntilQuiet(sim.clock.now() + MINUTE);

    expect(redelivered.status).toBe(202);
    expect(redelivered.body.event_id).toBe(original.event_id);
    expect(redelivered.body.id).not.toBe(original.id);
    expect(redelivered.body.redelivery_of).toBe(original.id);
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = receiver.requests;
    expect(second?.body).toBe(first?.body);
    expect(second?.headers["x-webhook-delivery"]).toBe(redelivered.body.id);
    expect(first?.headers["x-webhook-delivery"]).toBe(original.id);
  });

  it("answers 404 for an unknown delivery", async () => {
    const detail = await call("GET", "/v1/webhooks/deliveries/dlv_missing");
    const redeliver = await call("POST", "/v1/webhooks/deliveries/dlv_missing/redeliver");

    expect(detail.status).toBe(404);
    expect(detail.body.code).toBe("not_found");
    expect(redeliver.status).toBe(404);
    expect(redeliver.body.error).toContain("dlv_missing");
  });

  it.each([
    ["limit=0", 'Invalid limit: expected an integer from 1 to 1000, got "0".'],
    ["limit=ten", 'Invalid limit: expected an integer from 1 to 1000, got "ten".'],
    ["status=done", 'Invalid status: expected one of pending, succeeded, failed, got "done".'],
    [
      "from=yesterday",
      'Invalid from: expected an RFC 3339 time like "2026-05-15T09:00:00Z", got "yesterday".',
    ],
    ["offset=-1", 'Invalid offset: expected an integer >= 0, got "-1".'],
    [
      "cursor=nonsense",
      'Invalid cursor: expected the next_cursor value of a previous page, got "nonsense".',
    ],
    ["colour=blue", 'Invalid query parameter colour="blue": unknown parameter'],
    ["offset=1&cursor=x", "send either offset or cursor, not both"],
    [
      "from=2026-05-15T10:00:00Z&to=2026-05-15T09:00:00Z",
      "from (2026-05-15T10:00:00Z) must be before to",
    ],
  ])("rejects %s with a message naming it", async (query, message) => {
    const response = await call("GET", `/v1/webhooks/deliveries?${query}`);

    expect(response.status).toBe(400);
    expect(response.body.code).toBe("validation_failed");
    expect(response.body.error).toContain(message);
  });

  it("sends a test event on registration when asked", async () => {
    const receiver = await createRecordingServer(200);
    receivers.push(receiver);

    const created = await call("POST", "/v1/webhooks", {
      url: receiver.url,
      events: ["click.recorded"],
      send_test_event: true,
    });
    const silent = await call("POST", "/v1/webhooks", {
      url: receiver.url,
      events: ["click.recorded"],
    });
    await sim.scheduler.runUntilQuiet(T0 + MINUTE);

    expect(created.status).toBe(201);
    expect(created.body.test_delivery_id).toMatch(/^dlv_/);
    expect(silent.body.test_delivery_id).toBeUndefined();
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers["x-webhook-event"]).toBe("webhook.test");
    const event = JSON.parse(receiver.requests[0]?.body ?? "{}");
    expect(event.type).toBe("webhook.test");
    expect(event.data.endpoint_id).toBe(created.body.id);
  });

  it("requires an API key", async () => {
    const response = await request(`${baseUrl}/v1/webhooks/deliveries`);
    await response.body.text();

    expect(response.statusCode).toBe(401);
  });
});
