import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import { computeSignature } from "../../src/webhooks/signature.js";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const MINUTE = 60_000;
const SECRET = "whsec_dispatcher-test-secret";
const servers: RecordingServer[] = [];
const simulations: Simulation[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(simulations.splice(0).map((sim) => sim.close()));
});

function simulationAt(startMs: number): Simulation {
  const sim = new Simulation({ clock: new VirtualClock(startMs), seed: 1 });
  simulations.push(sim);
  return sim;
}

function publishOne(sim: Simulation, url: string) {
  const endpoint = sim.endpoints.register(url, ["click.recorded"], T0, SECRET);
  const click = sim.createDetachedClick(sim.workspace.links[0] as never, T0 * 1_000);
  const event = buildClickEvent("evt_test", "2026-05-15T09:00:00.000000Z", click);
  return { endpoint, delivery: sim.dispatcher.deliver(endpoint, event, click.click_id) };
}

describe("Dispatcher", () => {
  it("attempts at t0, +1m, +6m and +21m, then gives up", async () => {
    const down = await createRecordingServer(503);
    servers.push(down);
    const sim = simulationAt(T0);
    const { delivery } = publishOne(sim, down.url);

    const quiet = await sim.scheduler.runUntilQuiet(T0 + 60 * MINUTE);

    expect(quiet).toBe(true);
    expect(delivery.attempts.map((attempt) => attempt.startedAtMs - T0)).toEqual([
      0,
      MINUTE,
      6 * MINUTE,
      21 * MINUTE,
    ]);
    expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([503, 503, 503, 503]);
    expect(delivery.status).toBe("failed");
    expect(delivery.finishedAtMs).toBe(T0 + 21 * MINUTE);
    expect(sim.deliveryLog.notifications()).toHaveLength(1);
    expect(down.requests).toHaveLength(4);
  });

  it("delivers at +21m to a receiver back at +10m", async () => {
    const later = await createRecordingServer(200, { listen: false });
    servers.push(later);
    const sim = simulationAt(T0);
    const { delivery } = publishOne(sim, later.url);
    sim.scheduler.at(T0 + 10 * MINUTE, () => later.listen());

    await sim.scheduler.runUntilQuiet(T0 + 60 * MINUTE);

    expect(delivery.attempts.map((attempt) => attempt.startedAtMs - T0)).toEqual([
      0,
      MINUTE,
      6 * MINUTE,
      21 * MINUTE,
    ]);
    expect(delivery.attempts.map((attempt) => attempt.outcome)).toEqual([
      "connection_refused",
      "connection_refused",
      "connection_refused",
      "success",
    ]);
    expect(delivery.status).toBe("succeeded");
    expect(later.requests).toHaveLength(1);
    expect(later.requests[0]?.headers["x-webhook-attempt"]).toBe("4");
  });

  it("keeps the delivery id and signs each attempt afresh", async () => {
    const flaky = await createRecordingServer(500);
    servers.push(flaky);
    const sim = simulationAt(T0);
    const { delivery } = publishOne(sim, flaky.url);

    await sim.scheduler.runUntilQuiet(T0 + 60 * MINUTE);

    expect(flaky.requests).toHaveLength(4);
    for (const [index, request] of flaky.requests.entries()) {
      expect(request.headers["x-webhook-delivery"]).toBe(delivery.id);
      expect(request.headers["x-webhook-event"]).toBe("click.recorded");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["x-webhook-attempt"]).toBe(String(index + 1));
      expect(request.body).toBe(delivery.body);
      const timestamp = request.headers["x-webhook-timestamp"] as string;
      expect(request.headers["x-webhook-signature"]).toBe(
        `v1=${computeSignature(SECRET, timestamp, request.body)}`,
      );
      // Wall-clock Unix seconds, whatever the simulated time.
      expect(Math.abs(Number(timestamp) - Date.now() / 1_000)).toBeLessThan(60);
    }
  });

  it("counts a redirect as a failed attempt without following it", async () => {
    const redirecting = await createRecordingServer(302);
    servers.push(redirecting);
    const sim = simulationAt(T0);
    const { delivery } = publishOne(sim, redirecting.url);

    await sim.scheduler.runUntilQuiet(T0 + 60 * MINUTE);

    expect(delivery.attempts.map((attempt) => attempt.outcome)).toEqual([
      "redirect",
      "redirect",
      "redirect",
      "redirect",
    ]);
    expect(redirecting.requests).toHaveLength(4);
  });
});
