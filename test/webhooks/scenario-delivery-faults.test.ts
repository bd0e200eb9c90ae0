import { describe, expect, it } from "vitest";
import { ElidoSimError } from "../../src/errors.js";
import { deliveryFaultOptionsFor } from "../../src/faults/delivery-fault-scenario.js";
import { parseScenario } from "../../src/scenario/load-scenario.js";
import { withDeliveryProfile } from "../../src/webhooks/profiles.js";

const SOURCE = "scenarios/faults.yaml";
const BASE = `name: faults
description: Delivery faults.
duration: 10m
traffic:
  rate: 1
`;

describe("scenario delivery faults", () => {
  it("reads every delivery fault type", () => {
    const scenario = parseScenario(
      `${BASE}faults:
  - type: duplicate_delivery
    at: 1m
    for: 2m
    share: 0.5
    concurrent: true
  - type: reorder
    at: 2m
    for: 1m
    max_delay: 20s
  - type: slow_success
    at: 3m
    for: 1m
    share: 0.2
  - type: dispatcher_backlog
    name: queue-stall
    at: 4m
    for: 5m
  - type: manual_redelivery
    at: 8m
    share: 0.25
`,
      SOURCE,
    );
    const placed = deliveryFaultOptionsFor(scenario.deliveryFaults, 1_000_000);

    expect(placed.duplicates).toEqual([
      {
        name: "duplicate_delivery-1",
        startMs: 1_060_000,
        endMs: 1_180_000,
        share: 0.5,
        concurrent: true,
        delayMs: 10_000,
      },
    ]);
    expect(placed.reorders).toEqual([
      { name: "reorder-2", startMs: 1_120_000, endMs: 1_180_000, share: 1, maxDelayMs: 20_000 },
    ]);
    expect(placed.slowSuccesses).toEqual([
      { name: "slow_success-3", startMs: 1_180_000, endMs: 1_240_000, share: 0.2 },
    ]);
    expect(placed.backlogs).toEqual([
      { name: "queue-stall", startMs: 1_240_000, endMs: 1_540_000 },
    ]);
    expect(placed.redeliveries).toEqual([
      { name: "manual_redelivery-5", atMs: 1_480_000, share: 0.25 },
    ]);
  });

  it("reports a bad field inside a known fault type", () => {
    let error: unknown;
    try {
      parseScenario(
        `${BASE}faults:\n  - type: reorder\n    at: 1m\n    for: 1m\n    max_delay: soon\n`,
        SOURCE,
      );
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ElidoSimError);
    expect((error as Error).message).toContain("field faults[0].max_delay");
    expect((error as Error).message).toContain('got "soon"');
  });

  it("names the fault types for an unknown type", () => {
    expect(() => parseScenario(`${BASE}faults:\n  - type: meteor\n    at: 1m\n`, SOURCE)).toThrow(
      /expected an object whose type is one of "receiver_outage", "duplicate_delivery"/,
    );
  });

  it("applies a profile with explicit settings on top", () => {
    const scenario = parseScenario(
      `${BASE}webhooks:\n  profile: retry-8\n  max_attempts: 3\n`,
      SOURCE,
    );

    expect(scenario.profile).toBe("retry-8");
    expect(scenario.retryPolicy.maxAttempts).toBe(3);
    expect(scenario.retryPolicy.delaysMs[0]).toBe(30_000);
    expect(scenario.pauseAfterConsecutiveFailures).toBe(30);
  });

  it("switches profile as --profile does", () => {
    const scenario = parseScenario(`${BASE}webhooks:\n  attempt_timeout: 5s\n`, SOURCE);

    const switched = withDeliveryProfile(scenario, "retry-5");

    expect(switched.retryPolicy.delaysMs).toEqual([1_000, 30_000, 300_000, 3_600_000, 21_600_000]);
    expect(switched.retryPolicy.maxAttempts).toBe(6);
    expect(switched.attemptTimeoutMs).toBe(5_000);
  });
});
