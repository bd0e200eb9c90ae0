import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import type { AttemptOutcome, Delivery } from "../../src/webhooks/delivery-log.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import {
  type HostileKind,
  type HostileReceiver,
  HUGE_BODY_BYTES,
  startHostileReceiver,
} from "../fixtures/hostile-receivers.js";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const SECRET = "whsec_hostile-test";
/** Short wall-clock attempt timeout, so the hostile attempts end quickly. */
const ATTEMPT_TIMEOUT_MS = 300;
const EVENTS = 10;

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface HostileRun {
  hostile: HostileReceiver;
  healthy: RecordingServer;
  hostileDeliveries: Delivery[];
  healthyDeliveries: Delivery[];
  rssGrowthBytes: number;
}

/**
 * Publishes EVENTS click events, one every 10 simulated seconds, to a hostile endpoint and a
 * healthy one side by side, and runs until every retry is done.
 */
async function runAgainst(kind: HostileKind): Promise<HostileRun> {
  const hostile = await startHostileReceiver(kind);
  const healthy = await createRecordingServer(200);
  const sim = new Simulation({
    clock: new VirtualClock(T0),
    seed: 3,
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    retryPolicy: { delaysMs: [MINUTE], maxAttempts: 2 },
  });
  closers.push(
    () => sim.close(),
    () => hostile.close(),
    () => healthy.close(),
  );
  const hostileEndpoint = sim.endpoints.register(hostile.url, ["click.recorded"], T0, SECRET);
  const healthyEndpoint = sim.endpoints.register(healthy.url, ["click.recorded"], T0, SECRET);
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("no link");
  }
  for (let index = 0; index < EVENTS; index++) {
    sim.scheduler.at(T0 + index * 10 * SECOND, () => {
      const click = sim.createDetachedClick(link, sim.clock.now() * 1_000);
      sim.dispatcher.publish(
        buildClickEvent(`evt_${index}`, click.occurred_at, click),
        click.click_id,
      );
    });
  }
  const rssBefore = process.memoryUsage().rss;
  const quiet = await sim.scheduler.runUntilQuiet(T0 + 10 * MINUTE);
  const rssGrowthBytes = process.memoryUsage().rss - rssBefore;
  expect(quiet).toBe(true);
  const all = sim.deliveryLog.all();
  return {
    hostile,
    healthy,
    hostileDeliveries: all.filter((delivery) => delivery.endpointId === hostileEndpoint.id),
    healthyDeliveries: all.filter((delivery) => delivery.endpointId === healthyEndpoint.id),
    rssGrowthBytes,
  };
}

/** Every healthy delivery had one attempt, at the simulated time it was created, and succeeded. */
function expectHealthyOnTime(run: HostileRun): void {
  expect(run.healthyDeliveries).toHaveLength(EVENTS);
  expect(run.healthy.requests).toHaveLength(EVENTS);
  for (const delivery of run.healthyDeliveries) {
    expect(delivery.status).toBe("succeeded");
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]?.startedAtMs).toBe(delivery.createdAtMs);
  }
}

function outcomesOf(deliveries: readonly Delivery[]): AttemptOutcome[] {
  return [...new Set(deliveries.flatMap((delivery) => delivery.attempts.map((a) => a.outcome)))];
}

describe("Dispatcher against hostile receivers", () => {
  it("times out a receiver that never answers", async () => {
    const run = await runAgainst("never-answers");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["timeout"]);
    expect(run.hostileDeliveries.every((delivery) => delivery.status === "failed")).toBe(true);
    expect(run.hostileDeliveries[0]?.attempts[0]?.latencyMs).toBeLessThan(ATTEMPT_TIMEOUT_MS * 3);
    expectHealthyOnTime(run);
  });

  it("records a reset mid-request as connection_reset", async () => {
    const run = await runAgainst("resets-mid-request");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["connection_reset"]);
    expect(run.hostile.requests).toBe(EVENTS * 2);
    expectHealthyOnTime(run);
  });

  it.each([301, 302, 307, 308])("fails a %i redirect without following it", async (status) => {
    const run = await runAgainst(`redirect-${status}` as HostileKind);

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["redirect"]);
    for (const delivery of run.hostileDeliveries) {
      expect(delivery.attempts.map((attempt) => attempt.statusCode)).toEqual([status, status]);
      expect(delivery.status).toBe("failed");
    }
    // Two attempts per event, and nothing sent to the Location.
    expect(run.hostile.requests).toBe(EVENTS * 2);
    expectHealthyOnTime(run);
  });

  it("reads a 100 MB body only up to the cap", async () => {
    const run = await runAgainst("huge-body");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["success"]);
    for (const delivery of run.hostileDeliveries) {
      const attempt = delivery.attempts[0];
      expect(attempt?.responseTruncated).toBe(true);
      expect(attempt?.responseBytes).toBeLessThan(1024 * 1024);
    }
    // The receiver could not push anything near 100 MB per request before the socket closed.
    expect(run.hostile.bytesWritten).toBeLessThan(HUGE_BODY_BYTES);
    expect(run.rssGrowthBytes).toBeLessThan(50 * 1024 * 1024);
    expectHealthyOnTime(run);
  });

  it("times out a receiver that drips one byte a second", async () => {
    const run = await runAgainst("drips");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["timeout"]);
    expectHealthyOnTime(run);
  });

  it("records invalid HTTP as network_error", async () => {
    const run = await runAgainst("invalid-http");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["network_error"]);
    expect(run.hostileDeliveries[0]?.attempts[0]?.error).toMatch(/invalid HTTP\/1\.1 response/);
    expectHealthyOnTime(run);
  });

  it("records a close after the headers as connection_reset", async () => {
    const run = await runAgainst("closes-after-headers");

    expect(outcomesOf(run.hostileDeliveries)).toEqual(["connection_reset"]);
    expectHealthyOnTime(run);
  });
});
