import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../src/report/html-report.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import { renderJunitReport } from "../../src/report/junit-report.js";
import { renderMarkdownReport } from "../../src/report/markdown-report.js";
import { renderScorecard } from "../../src/report/scorecard.js";
import { type RunResult, runScenario } from "../../src/scenario/run-scenario.js";
import { shortScenario } from "../fixtures/scenarios.js";
import { startTestReceiver, type TestReceiver } from "../fixtures/test-receivers.js";

const SECRET = "whsec_report-test-secret";
let receiver: TestReceiver;
let failing: RunResult;

async function run(target: TestReceiver): Promise<RunResult> {
  return runScenario({
    scenario: shortScenario(),
    receiverUrl: target.url,
    secret: SECRET,
    speed: Number.POSITIVE_INFINITY,
    observe: target.ledgerUrl,
  });
}

/** Removes every `wall` object, the only part of report.json that may differ between runs. */
function withoutWallFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutWallFields);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "wall")
        .map(([key, inner]) => [key, withoutWallFields(inner)]),
    );
  }
  return value;
}

beforeAll(async () => {
  receiver = await startTestReceiver(SECRET, { skipTimestampWindow: true, noIdempotency: true });
  failing = await run(receiver);
});

afterAll(async () => {
  await receiver.close();
});

describe("renderJunitReport", () => {
  it("has one test case per check", () => {
    const xml = new XMLParser({ ignoreAttributes: false }).parse(renderJunitReport(failing));
    const cases = xml.testsuites.testsuite.testcase as Array<Record<string, unknown>>;
    expect(cases).toHaveLength(failing.verdict.checks.length);
    expect(xml.testsuites["@_failures"]).toBe(String(failing.verdict.counts.fail));
  });

  it("marks failed checks as failures", () => {
    const xml = new XMLParser({ ignoreAttributes: false }).parse(renderJunitReport(failing));
    const cases = xml.testsuites.testsuite.testcase as Array<Record<string, unknown>>;
    const failed = cases
      .filter((testCase) => testCase.failure !== undefined)
      .map((testCase) => testCase["@_name"]);
    expect(failed).toContain(
      "stale-timestamp-rejected: Validly signed deliveries with a 10-minute-old timestamp are rejected",
    );
    expect(failed).toContain(
      "no-duplicates: No click is recorded twice, and none that did not happen",
    );
  });
});

describe("renderMarkdownReport", () => {
  it("names the first failure and lists checks", () => {
    const markdown = renderMarkdownReport(failing);
    expect(markdown).toContain("## elido-sim: test-short: FAIL");
    expect(markdown).toContain("**First failed check:** `stale-timestamp-rejected`");
    expect(markdown).toContain(
      "| `no-duplicates` No click is recorded twice, and none that did not happen | ❌ fail |",
    );
    expect(markdown).toContain("<details><summary>Evidence: no-duplicates</summary>");
  });
});

describe("renderHtmlReport", () => {
  it("is self-contained with a timeline", () => {
    const html = renderHtmlReport(failing);
    expect(html).toContain("<svg");
    expect(html).toContain("long-outage");
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<link");
  });

  it("escapes evidence text", () => {
    const html = renderHtmlReport(failing);
    expect(html).not.toContain("<launch>");
  });
});

describe("renderScorecard", () => {
  it("has no colour when asked", () => {
    expect(renderScorecard(failing, { color: false })).not.toContain("\u001b[");
  });

  it("colours when asked", () => {
    expect(renderScorecard(failing, { color: true })).toContain("\u001b[31m");
  });
});

describe("buildJsonReport", () => {
  it("repeats for the same seed", async () => {
    const clean = await startTestReceiver(SECRET);
    try {
      const first = withoutWallFields(buildJsonReport(await run(clean)));
      const again = await startTestReceiver(SECRET);
      try {
        const second = withoutWallFields(buildJsonReport(await run(again)));
        expect(second).toEqual(first);
      } finally {
        await again.close();
      }
    } finally {
      await clean.close();
    }
  });

  it("leaves the signing secret out", () => {
    expect(JSON.stringify(buildJsonReport(failing))).not.toContain(SECRET);
  });
});
