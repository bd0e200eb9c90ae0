import { formatDuration } from "../clock/duration.js";
import { describeExit } from "../scenario/receiver-process.js";
import type { RunResult } from "../scenario/run-scenario.js";
import type { CheckResult, CheckStatus } from "../scoring/check-result.js";

export interface ScorecardOptions {
  /** Use ANSI colours. Callers turn this off for `NO_COLOR` and for output that is not a TTY. */
  readonly color: boolean;
}

const STATUS_LABEL: Record<CheckStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  not_observed: "N/O ",
};
const STATUS_COLOR: Record<CheckStatus, string> = { pass: "32", fail: "31", not_observed: "33" };

/** Renders the terminal scorecard of a run. The text is deterministic for a given result. */
export function renderScorecard(result: RunResult, options: ScorecardOptions): string {
  const paint = (code: string, text: string) =>
    options.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  const { verdict } = result;
  const lines: string[] = [];
  const attempts = result.deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0);
  const blocked = result.deliveries.reduce(
    (sum, delivery) =>
      sum + delivery.attempts.filter((attempt) => attempt.outcome === "unreachable").length,
    0,
  );
  const humans = result.sim.groundTruth.humans().length;

  lines.push(paint("1", `elido-sim scorecard: ${result.scenario.name}`));
  lines.push(
    `Seed ${result.seed}, ${result.clockMode === "virtual" ? "virtual clock" : `speed ${result.speed}x`}; simulated ${formatDuration(result.endMs - result.startMs)} in ${(result.wallMs / 1000).toFixed(1)} s of wall time`,
  );
  lines.push(
    `Clicks: ${humans} human. Deliveries: ${result.deliveries.length}, attempts: ${attempts} (${blocked} blocked by injected outages). Probes: ${result.probes.length}.`,
  );
  if (result.receiverExitedEarly !== undefined) {
    lines.push(
      paint(
        "31",
        `Receiver process exited during the run with ${describeExit(result.receiverExitedEarly)}.`,
      ),
    );
  }
  if (result.pendingDeliveries > 0) {
    lines.push(
      paint(
        "33",
        `${result.pendingDeliveries} deliveries were still pending when the run stopped waiting.`,
      ),
    );
  }
  for (const error of result.taskErrors.slice(0, 3)) {
    lines.push(paint("31", `Simulator error (please report): ${error.split("\n")[0]}`));
  }
  lines.push("");

  const idWidth = Math.max(...verdict.checks.map((check) => check.id.length));
  for (const check of verdict.checks) {
    lines.push(...renderCheck(check, idWidth, paint));
  }
  lines.push("");

  const { pass, fail, not_observed: notObserved } = verdict.counts;
  const unobserved =
    verdict.unobservedPoints > 0 ? `, ${verdict.unobservedPoints} points not observed` : "";
  const tally = `${pass} passed, ${fail} failed, ${notObserved} not observed; score ${verdict.score}/100${unobserved}`;
  if (verdict.firstFailure === undefined) {
    lines.push(paint("32;1", `Result: PASS (${tally})`));
  } else {
    lines.push(paint("31;1", `Result: FAIL (${tally})`));
    lines.push(`First failed check: ${verdict.firstFailure.id}: ${verdict.firstFailure.summary}`);
    if (verdict.firstFailure.hint !== undefined) {
      lines.push(`Hint: ${verdict.firstFailure.hint}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function renderCheck(
  check: CheckResult,
  idWidth: number,
  paint: (code: string, text: string) => string,
): string[] {
  const lines = [
    `${paint(STATUS_COLOR[check.status], STATUS_LABEL[check.status])}  ${check.id.padEnd(idWidth)}  ${check.title}`,
  ];
  const indent = " ".repeat(6);
  lines.push(`${indent}${check.summary}`);
  // Evidence for failures, and always for the outage gap, which is reported even when it passes.
  if (check.status === "fail" || check.id === "outage-gap") {
    for (const line of check.evidence) {
      lines.push(`${indent}  ${line}`);
    }
  }
  return lines;
}
