import type { RunResult } from "../scenario/run-scenario.js";

/** Escapes text for XML attribute values and character data. */
export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters, so they are removed.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}

/**
 * Renders JUnit XML with one test case per check, for CI systems: a failed check is a
 * `<failure>` with its summary, evidence and hint, and a check that was not observed is
 * `<skipped>`.
 */
export function renderJunitReport(result: RunResult): string {
  const { verdict, scenario } = result;
  const suiteName = `elido-sim.${scenario.name}`;
  const seconds = (result.wallMs / 1000).toFixed(3);
  const cases = verdict.checks.map((check) => {
    const name = escapeXml(`${check.id}: ${check.title}`);
    const open = `    <testcase classname="${escapeXml(suiteName)}" name="${name}" time="0">`;
    const details = [
      check.summary,
      ...check.evidence,
      ...(check.hint === undefined ? [] : [`Hint: ${check.hint}`]),
    ]
      .map(escapeXml)
      .join("\n");
    if (check.status === "fail") {
      return `${open}\n      <failure message="${escapeXml(check.summary)}" type="${escapeXml(check.id)}">${details}</failure>\n    </testcase>`;
    }
    if (check.status === "not_observed") {
      return `${open}\n      <skipped message="${escapeXml(check.summary)}"/>\n    </testcase>`;
    }
    return `${open}\n      <system-out>${details}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="elido-sim" tests="${verdict.checks.length}" failures="${verdict.counts.fail}" skipped="${verdict.counts.not_observed}" time="${seconds}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${verdict.checks.length}" failures="${verdict.counts.fail}" errors="0" skipped="${verdict.counts.not_observed}" time="${seconds}">`,
    "    <properties>",
    `      <property name="seed" value="${result.seed}"/>`,
    `      <property name="score" value="${verdict.score}"/>`,
    "    </properties>",
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
