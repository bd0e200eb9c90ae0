import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/index.js";
import { buildVerdict } from "../../src/index.js";
import { expectChecksToPass, failedChecks, formatChecks } from "../../src/vitest/index.js";

const PASSED: CheckResult = {
  id: "deliveries-accepted",
  title: "Valid deliveries are accepted",
  status: "pass",
  summary: "12/12 attempts answered 2xx (100%, minimum 100%)",
  evidence: [],
};

const FAILED: CheckResult = {
  id: "no-duplicates",
  title: "No click is recorded twice, and none that did not happen",
  status: "fail",
  summary: "1 clicks recorded more than once, 0 recorded ids that are no real click",
  evidence: ["recorded 2 times: click 5b0c9e1a-0000-4000-8000-000000000001"],
  hint: "Deduplicate by event id.",
};

const UNOBSERVED: CheckResult = {
  id: "no-misses",
  title: "Every accepted delivery is recorded",
  status: "not_observed",
  summary: "not observed",
  evidence: [],
};

describe("toPassAllChecks", () => {
  it("passes a verdict without failures", () => {
    expect(buildVerdict([PASSED, UNOBSERVED])).toPassAllChecks();
  });

  it("names the failed check with its evidence", () => {
    const verdict = buildVerdict([PASSED, FAILED]);

    expect(() => expect(verdict).toPassAllChecks()).toThrow(
      [
        "expected every check to pass, but 1 of 2 did not:",
        "",
        "FAIL  no-duplicates  No click is recorded twice, and none that did not happen",
        "      1 clicks recorded more than once, 0 recorded ids that are no real click",
        "        recorded 2 times: click 5b0c9e1a-0000-4000-8000-000000000001",
        "      hint: Deduplicate by event id.",
      ].join("\n"),
    );
  });

  it("fails unobserved checks on request", () => {
    const verdict = buildVerdict([PASSED, UNOBSERVED]);

    expect(() => expect(verdict).toPassAllChecks({ requireObserved: true })).toThrow(
      "NOT OBSERVED  no-misses  Every accepted delivery is recorded",
    );
  });

  it("ignores the named checks", () => {
    expect(buildVerdict([PASSED, FAILED])).toPassAllChecks({ ignore: ["no-duplicates"] });
  });

  it("rejects a value that is no verdict", () => {
    expect(() => expect({ passed: true }).toPassAllChecks()).toThrow(
      "expected a Verdict from sim.score() or runScenario()",
    );
  });
});

describe("toHaveCheck", () => {
  it("matches a check by id and status", () => {
    const verdict = buildVerdict([PASSED, FAILED]);

    expect(verdict).toHaveCheck("deliveries-accepted");
    expect(verdict).toHaveCheck("no-duplicates", "fail");
    expect(verdict).not.toHaveCheck("no-duplicates", "pass");
  });

  it("lists the checks when the id is missing", () => {
    expect(() => expect(buildVerdict([PASSED])).toHaveCheck("outage-gap")).toThrow(
      'expected check "outage-gap" in the verdict, but it has only: deliveries-accepted',
    );
  });
});

describe("expectChecksToPass", () => {
  it("throws the same report as the matcher", () => {
    const verdict = buildVerdict([FAILED]);

    expect(() => expectChecksToPass(verdict)).toThrow(formatChecks(failedChecks(verdict)));
  });
});
