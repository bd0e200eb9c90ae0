import { formatDuration } from "../clock/duration.js";
import type { RunResult } from "../scenario/run-scenario.js";
import type { CheckStatus } from "../scoring/check-result.js";

const STATUS_TEXT: Record<CheckStatus, string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  not_observed: "➖ not observed",
};

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * Renders a Markdown summary for CI job pages (for example `$GITHUB_STEP_SUMMARY`): the result,
 * the score, one table row per check, and the evidence of failed checks.
 */
export function renderMarkdownReport(result: RunResult): string {
  const { verdict, scenario } = result;
  const lines: string[] = [];
  const outcome = verdict.passed ? "PASS" : "FAIL";
  lines.push(`## elido-sim: ${scenario.name}: ${outcome}, score ${verdict.score}/100`);
  lines.push("");
  lines.push(
    `Seed ${result.seed}; ${formatDuration(result.endMs - result.startMs)} simulated in ${(result.wallMs / 1000).toFixed(1)} s; ` +
      `${result.deliveries.length} deliveries, ${result.probes.length} probes.`,
  );
  if (verdict.firstFailure !== undefined) {
    lines.push("");
    lines.push(
      `**First failed check:** \`${verdict.firstFailure.id}\`: ${verdict.firstFailure.summary}`,
    );
    if (verdict.firstFailure.hint !== undefined) {
      lines.push("");
      lines.push(`> ${verdict.firstFailure.hint}`);
    }
  }
  lines.push("");
  lines.push("| Check | Result | Details |");
  lines.push("| --- | --- | --- |");
  for (const check of verdict.checks) {
    lines.push(
      `| \`${check.id}\` ${cell(check.title)} | ${STATUS_TEXT[check.status]} | ${cell(check.summary)} |`,
    );
  }
  const failed = verdict.checks.filter(
    (check) => check.status === "fail" && check.evidence.length > 0,
  );
  for (const check of failed) {
    lines.push("");
    lines.push(`<details><summary>Evidence: ${check.id}</summary>`);
    lines.push("");
    lines.push("```text");
    lines.push(...check.evidence);
    lines.push("```");
    lines.push("");
    lines.push("</details>");
  }
  lines.push("");
  return lines.join("\n");
}
