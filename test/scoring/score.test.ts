import { describe, expect, it } from "vitest";
import type { CheckResult, CheckStatus } from "../../src/scoring/check-result.js";
import { CHECK_WEIGHTS } from "../../src/scoring/check-weights.js";
import { buildVerdict } from "../../src/scoring/score.js";

function check(id: string, status: CheckStatus): CheckResult {
  return { id, title: id, status, summary: "", evidence: [] };
}

describe("buildVerdict", () => {
  it("weights sum to 100 for receivers", () => {
    const total = Object.values(CHECK_WEIGHTS).reduce((sum, weight) => sum + weight, 0);
    expect(total).toBe(100);
  });

  it("scores 100 when every check passes", () => {
    const verdict = buildVerdict(Object.keys(CHECK_WEIGHTS).map((id) => check(id, "pass")));
    expect(verdict.score).toBe(100);
    expect(verdict.passed).toBe(true);
  });

  it("takes a failed check's weight off", () => {
    const verdict = buildVerdict(
      Object.keys(CHECK_WEIGHTS).map((id) =>
        check(id, id === "wrong-secret-rejected" ? "fail" : "pass"),
      ),
    );
    expect(verdict.score).toBe(80);
    expect(verdict.passed).toBe(false);
    expect(verdict.firstFailure?.id).toBe("wrong-secret-rejected");
  });

  it("gives no points for unobserved checks", () => {
    const verdict = buildVerdict(
      Object.keys(CHECK_WEIGHTS).map((id) =>
        check(id, id.startsWith("no-") ? "not_observed" : "pass"),
      ),
    );
    expect(verdict.score).toBe(65);
    expect(verdict.unobservedPoints).toBe(35);
    expect(verdict.passed).toBe(true);
  });

  it("names the first failure in check order", () => {
    const verdict = buildVerdict([
      check("no-misses", "pass"),
      check("b", "fail"),
      check("a", "fail"),
    ]);
    expect(verdict.firstFailure?.id).toBe("b");
  });
});
