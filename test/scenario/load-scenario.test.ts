import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElidoSimError } from "../../src/errors.js";
import { loadScenario, parseScenario } from "../../src/scenario/load-scenario.js";

const SOURCE = "scenarios/test-input.yaml";

// Lines 1 to 5: the smallest valid scenario. Cases append fields from line 6 on.
const MINIMAL = `name: test-input
description: Scenario for loader tests.
duration: 10m
traffic:
  rate: 1
`;

/** Runs `load` and returns the ElidoSimError it throws, failing the test if it throws none. */
function captureError(load: () => unknown): ElidoSimError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ElidoSimError);
    return error as ElidoSimError;
  }
  throw new Error("expected the scenario to be rejected, but it loaded");
}

function invalidScenario(text: string): ElidoSimError {
  const error = captureError(() => parseScenario(text, SOURCE));
  expect(error.code).toBe("ELIDO_SIM_ERR_SCENARIO_INVALID");
  return error;
}

describe("loadScenario", () => {
  it("loads receiver-outages by name", () => {
    const scenario = loadScenario("receiver-outages");

    expect(scenario.name).toBe("receiver-outages");
    expect(scenario.source).toMatch(/scenarios[/\\]receiver-outages\.yaml$/);
    expect(scenario.seed).toBe(42);
    expect(scenario.startMs).toBe(Date.parse("2026-05-15T09:00:00Z"));
    expect(scenario.speed).toBe(500);
  });

  it("converts receiver-outages durations to ms", () => {
    const scenario = loadScenario("receiver-outages");

    expect(scenario.durationMs).toBe(70 * 60_000);
    expect(scenario.attemptTimeoutMs).toBe(10_000);
    expect(scenario.probeOffsetsMs).toEqual([60_000, 20 * 60_000]);
    expect(scenario.outages).toEqual([
      { name: "short-outage", offsetMs: 3 * 60_000, durationMs: 8 * 60_000 },
      { name: "long-outage", offsetMs: 35 * 60_000, durationMs: 30 * 60_000 },
    ]);
  });

  it("applies receiver-outages defaults", () => {
    const scenario = loadScenario("receiver-outages");

    expect(scenario.retryPolicy.delaysMs).toEqual([60_000, 300_000, 900_000]);
    expect(scenario.retryPolicy.maxAttempts).toBe(4);
    expect(scenario.ingestionLagP99Ms).toBe(5_000);
    expect(scenario.workspace).toEqual({ id: 4123, plan: "pro", links: 5 });
    expect(scenario.traffic).toEqual({
      ratePerSecond: 0.5,
      trickyShare: 0.05,
      pattern: { kind: "steady" },
      botShare: 0,
      linkSkew: 0,
    });
    expect(scenario.duplicateShare).toBe(0.03);
    expect(scenario.expectations).toEqual({
      minAcceptedShare: 1,
      minCoverage: 1,
      maxPollerLagP99Ms: 600_000,
      maxRequestsPerClick: 1,
    });
    expect(scenario.integration.receiver?.cmd).toBe(
      'node "$ELIDO_SIM_EXAMPLES/reference-receiver/main.js"',
    );
    expect(scenario.integration.hybrid).toBe(false);
  });

  it("rejects an unknown scenario name", () => {
    const error = captureError(() => loadScenario("no-such-scenario"));

    expect(error.code).toBe("ELIDO_SIM_ERR_SCENARIO_NOT_FOUND");
    expect(error.message).toContain('"no-such-scenario"');
    expect(error.message).toContain("not found");
    expect(error.exitCode).toBe(2);
  });

  describe("with files on disk", () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "elido-sim-scenario-"));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("loads a JSON file by path", async () => {
      const path = join(dir, "from-json.json");
      await writeFile(
        path,
        JSON.stringify({
          name: "from-json",
          description: "JSON scenario.",
          duration: "5m",
          traffic: { rate: 2 },
        }),
      );

      const scenario = loadScenario(path);

      expect(scenario.name).toBe("from-json");
      expect(scenario.source).toBe(path);
      expect(scenario.durationMs).toBe(300_000);
    });

    it("names the file path in errors", async () => {
      const path = join(dir, "broken.yaml");
      await writeFile(path, `${MINIMAL}speed: fast\n`);

      const error = captureError(() => loadScenario(path));

      expect(error.code).toBe("ELIDO_SIM_ERR_SCENARIO_INVALID");
      expect(error.message).toContain(`Invalid scenario file ${path}`);
      expect(error.message).toContain("line 6, field speed");
    });
  });
});

describe("parseScenario", () => {
  it("applies defaults to a minimal scenario", () => {
    const scenario = parseScenario(MINIMAL, SOURCE);

    expect(scenario.source).toBe(SOURCE);
    expect(scenario.seed).toBe(1);
    expect(scenario.startMs).toBeUndefined();
    expect(scenario.speed).toBe(60);
    expect(scenario.durationMs).toBe(600_000);
    expect(scenario.attemptTimeoutMs).toBe(30_000);
    expect(scenario.retryPolicy).toEqual({ delaysMs: [60_000, 300_000, 900_000], maxAttempts: 4 });
    expect(scenario.outages).toEqual([]);
    expect(scenario.probeOffsetsMs).toEqual([60_000]);
  });

  it("derives maxAttempts from retry_delays", () => {
    const scenario = parseScenario(`${MINIMAL}webhooks:\n  retry_delays: [30s, 2m]\n`, SOURCE);

    expect(scenario.retryPolicy.delaysMs).toEqual([30_000, 120_000]);
    expect(scenario.retryPolicy.maxAttempts).toBe(3);
  });

  it("numbers unnamed outages", () => {
    const scenario = parseScenario(
      `${MINIMAL}faults:\n  - type: receiver_outage\n    at: 1m\n    for: 1h30m\n`,
      SOURCE,
    );

    expect(scenario.outages).toEqual([
      { name: "outage-1", offsetMs: 60_000, durationMs: 5_400_000 },
    ]);
  });

  it("accepts JSON input", () => {
    const text = JSON.stringify(
      {
        name: "json-input",
        description: "JSON scenario.",
        duration: "1h30m",
        traffic: { rate: 3 },
        workspace: { plan: "business" },
      },
      null,
      2,
    );

    const scenario = parseScenario(text, "scenarios/json-input.json");

    expect(scenario.name).toBe("json-input");
    expect(scenario.durationMs).toBe(5_400_000);
    expect(scenario.traffic.ratePerSecond).toBe(3);
    expect(scenario.workspace.plan).toBe("business");
  });

  it("reports a bad duration", () => {
    const error = invalidScenario(
      `${MINIMAL}faults:\n  - type: receiver_outage\n    at: 1m\n    for: thirty\n`,
    );

    expect(error.message).toContain(`Invalid scenario file ${SOURCE}`);
    expect(error.message).toContain("line 9");
    expect(error.message).toContain("field faults[0].for");
    expect(error.message).toContain('expected a duration like "30s"');
    expect(error.message).toContain('got "thirty"');
  });

  it("reports a zero duration", () => {
    const error = invalidScenario(MINIMAL.replace("duration: 10m", "duration: 0s"));

    expect(error.message).toContain("line 3, field duration");
    expect(error.message).toContain("expected a duration > 0");
    expect(error.message).toContain('got "0s"');
  });

  it("reports an unknown top-level field", () => {
    const error = invalidScenario(`${MINIMAL}colour: blue\n`);

    expect(error.message).toContain(`Invalid scenario file ${SOURCE}`);
    expect(error.message).toContain("line 6");
    expect(error.message).toContain("field colour");
    expect(error.message).toContain('got "blue"');
    // The expectation part must read as a sentence, not echo the schema's error text.
    expect(error.message).not.toContain("expected unexpected property");
  });

  it.each([
    ["name", MINIMAL.replace("name: test-input\n", ""), "expected a kebab-case name"],
    ["duration", MINIMAL.replace("duration: 10m\n", ""), "expected a duration like"],
    ["traffic", MINIMAL.replace("traffic:\n  rate: 1\n", ""), "expected"],
  ])("reports missing %s", (field, text, expected) => {
    const error = invalidScenario(text);

    expect(error.message).toContain(`Invalid scenario file ${SOURCE}`);
    expect(error.message).toMatch(/line \d+/);
    expect(error.message).toContain(`field ${field}:`);
    expect(error.message).toContain(expected);
    expect(error.message).toContain("got nothing");
  });

  it("reports a wrong plan", () => {
    const error = invalidScenario(`${MINIMAL}workspace:\n  plan: gold\n`);

    expect(error.message).toContain("line 7");
    expect(error.message).toContain("field workspace.plan");
    expect(error.message).toContain('expected one of "free", "pro", "business"');
    expect(error.message).toContain('got "gold"');
  });

  it("reports a YAML syntax error", () => {
    const error = invalidScenario(`${MINIMAL}speed: 1: 2\n`);

    expect(error.message).toContain(`Invalid scenario file ${SOURCE}`);
    expect(error.message).toContain("Nested mappings are not allowed");
    expect(error.message).toMatch(/line 6\b/);
  });

  it("reports a duplicate key", () => {
    const error = invalidScenario(`${MINIMAL}name: other-name\n`);

    expect(error.message).toContain("Map keys must be unique");
    expect(error.message).toMatch(/line 6\b/);
  });

  it("reports several problems at once", () => {
    const text = `${MINIMAL.replace("duration: 10m", "duration: soon")}speed: -1\nworkspace:\n  plan: gold\n`;

    const error = invalidScenario(text);

    expect(error.message).toContain('line 3, field duration: expected a duration like "30s"');
    expect(error.message).toContain('got "soon"');
    expect(error.message).toContain("line 6, field speed: expected a number > 0");
    expect(error.message).toContain("got -1");
    expect(error.message).toContain("line 8, field workspace.plan");
    expect(error.message.split("\n").filter((line) => line.startsWith("  - "))).toHaveLength(3);
  });

  it("rejects a top-level list", () => {
    const error = invalidScenario("- name: test-input\n");

    expect(error.message).toContain("expected a mapping of scenario fields at the top level");
  });

  it("rejects an unknown field in JSON", () => {
    const text = JSON.stringify(
      { name: "json-input", description: "d", duration: "1m", traffic: { rate: 1 }, extra: 1 },
      null,
      2,
    );

    const error = invalidScenario(text);

    expect(error.message).toContain("line 8");
    expect(error.message).toContain("field extra");
    expect(error.message).toContain("got 1");
  });
});
