import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import {
  DELIVERY_PROFILES,
  type DeliveryProfileName,
  resolveDeliveryProfile,
} from "../../src/webhooks/profiles.js";
import { createRecordingServer } from "../fixtures/http-servers.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const SECRET = "whsec_profile-test";
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function failingRun(name: DeliveryProfileName, events = 1) {
  const down = await createRecordingServer(503);
  const profile = DELIVERY_PROFILES[name];
  const sim = new Simulation({
    clock: new VirtualClock(T0),
    seed: 1,
    retryPolicy: profile.retryPolicy,
    attemptTimeoutMs: profile.attemptTimeoutMs,
    ...(profile.pauseAfterConsecutiveFailures === undefined
      ? {}
      : { pauseAfterConsecutiveFailures: profile.pauseAfterConsecutiveFailures }),
  });
  closers.push(
    () => sim.close(),
    () => down.close(),
  );
  const endpoint = sim.endpoints.register(down.url, ["click.recorded"], T0, SECRET);
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("no link");
  }
  for (let index = 0; index < events; index++) {
    const click = sim.createDetachedClick(link, T0 * 1_000 + index);
    sim.dispatcher.deliver(endpoint, buildClickEvent(`evt_${index}`, click.occurred_at, click));
  }
  const quiet = await sim.scheduler.runUntilQuiet(T0 + 200 * HOUR);
  expect(quiet).toBe(true);
  return { sim, endpoint, down };
}

function offsets(run: Awaited<ReturnType<typeof failingRun>>): number[] {
  const delivery = run.sim.deliveryLog.all()[0];
  return delivery?.attempts.map((attempt) => attempt.startedAtMs - T0) ?? [];
}

describe("delivery profiles", () => {
  it("blog attempts at 0, 1m, 6m and 21m", async () => {
    const run = await failingRun("blog");

    expect(offsets(run)).toEqual([0, MINUTE, 6 * MINUTE, 21 * MINUTE]);
    expect(run.sim.deliveryLog.all()[0]?.status).toBe("failed");
    expect(run.sim.deliveryLog.notifications()[0]?.atMs).toBe(T0 + 21 * MINUTE);
  });

  it("retry-8 attempts over about 3.5 days", async () => {
    const run = await failingRun("retry-8");

    const delays = [
      30 * SECOND,
      2 * MINUTE,
      10 * MINUTE,
      30 * MINUTE,
      2 * HOUR,
      8 * HOUR,
      24 * HOUR,
      48 * HOUR,
    ];
    const expected = [0];
    for (const delay of delays) {
      expected.push((expected.at(-1) as number) + delay);
    }
    expect(offsets(run)).toEqual(expected);
    expect(run.sim.deliveryLog.notifications()[0]).toMatchObject({
      atMs: T0 + (expected.at(-1) as number),
      attempts: 9,
      reason: "http_error",
    });
    expect(DELIVERY_PROFILES["retry-8"].attemptTimeoutMs).toBe(30 * SECOND);
  });

  it("retry-8 pauses the endpoint after 30 failed attempts", async () => {
    // Four deliveries fail 7 rounds of attempts together (28). The eighth round's four attempts
    // are in flight at once, so all four go out before the 30th failure pauses the endpoint,
    // and the ninth round finds it paused.
    const run = await failingRun("retry-8", 4);
    const deliveries = run.sim.deliveryLog.all();
    const attempts = deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0);

    expect(attempts).toBe(32);
    expect(run.down.requests).toHaveLength(32);
    expect(run.sim.dispatcher.isPaused(run.endpoint.id)).toBe(true);
    expect(deliveries.every((delivery) => delivery.status === "failed")).toBe(true);
    expect(deliveries.map((delivery) => delivery.failureReason)).toEqual([
      "endpoint_paused",
      "endpoint_paused",
      "endpoint_paused",
      "endpoint_paused",
    ]);
    const paused = run.sim.dispatcher.timeline
      .entries()
      .find((entry) => entry.kind === "endpoint_paused");
    expect(paused?.endpointId).toBe(run.endpoint.id);
  });

  it("retry-5 attempts at 0, 1s, 31s, 5m31s, 1h5m31s and 7h5m31s", async () => {
    const run = await failingRun("retry-5");

    expect(offsets(run)).toEqual([
      0,
      SECOND,
      31 * SECOND,
      5 * MINUTE + 31 * SECOND,
      HOUR + 5 * MINUTE + 31 * SECOND,
      7 * HOUR + 5 * MINUTE + 31 * SECOND,
    ]);
    expect(run.sim.deliveryLog.all()[0]?.status).toBe("failed");
  });

  it("max-attempts-3 gives up at 6m", async () => {
    const run = await failingRun("max-attempts-3");

    expect(offsets(run)).toEqual([0, MINUTE, 6 * MINUTE]);
    expect(run.sim.deliveryLog.notifications()[0]?.atMs).toBe(T0 + 6 * MINUTE);
  });

  it("overrides max attempts and delays one by one", () => {
    const fewer = resolveDeliveryProfile("retry-8", { maxAttempts: 2 });
    const custom = resolveDeliveryProfile("blog", { retryDelaysMs: [SECOND, 2 * SECOND] });

    expect(fewer.retryPolicy).toEqual({
      delaysMs: DELIVERY_PROFILES["retry-8"].retryPolicy.delaysMs,
      maxAttempts: 2,
    });
    expect(fewer.pauseAfterConsecutiveFailures).toBe(30);
    expect(custom.retryPolicy).toEqual({ delaysMs: [SECOND, 2 * SECOND], maxAttempts: 3 });
  });
});
