/** `not_observed`: the run produced no evidence either way, which never counts as a pass. */
export type CheckStatus = "pass" | "fail" | "not_observed";

export interface CheckResult {
  /** Stable kebab-case id, e.g. `wrong-secret-rejected`. */
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** One line with the numbers behind the verdict. */
  readonly summary: string;
  /** Lines of evidence: delivery ids, attempts, statuses, simulated times. */
  readonly evidence: readonly string[];
  /** The usual cause of this failure, shown when the check fails. */
  readonly hint?: string;
  /** Machine-readable details for report.json. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** How many evidence lines a check lists before it summarizes the rest. */
export const MAX_EVIDENCE_LINES = 10;

/** Keeps the first `MAX_EVIDENCE_LINES` lines and counts the rest. */
export function capEvidence(lines: readonly string[]): string[] {
  if (lines.length <= MAX_EVIDENCE_LINES) {
    return [...lines];
  }
  return [
    ...lines.slice(0, MAX_EVIDENCE_LINES),
    `... and ${lines.length - MAX_EVIDENCE_LINES} more`,
  ];
}

/** Formats simulated epoch milliseconds for evidence lines. */
export function formatSimTime(epochMs: number): string {
  return new Date(Math.floor(epochMs)).toISOString();
}
