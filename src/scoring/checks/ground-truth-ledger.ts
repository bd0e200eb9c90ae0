import type { GroundTruth } from "../../model/ground-truth.js";
import { type CheckResult, capEvidence } from "../check-result.js";
import type { Observation } from "../observation.js";

export interface GroundTruthLedgerInput {
  readonly groundTruth: GroundTruth;
  /** Simulated epoch milliseconds at which the run ended; clicks visible by then are expected. */
  readonly endMs: number;
  readonly observation: Observation | undefined;
  readonly observationError?: string;
}

const BASE = {
  id: "ledger-matches-ground-truth",
  title: "The recorded clicks are exactly the clicks that happened",
} as const;

/**
 * Checks the end state of a poller or a hybrid integration: every human click visible by the end of
 * the run recorded once, no click recorded twice, and no bot or unknown id recorded.
 */
export function checkLedgerMatchesGroundTruth(input: GroundTruthLedgerInput): CheckResult {
  const { observation } = input;
  if (observation === undefined) {
    const status = input.observationError === undefined ? "not_observed" : "fail";
    const summary =
      input.observationError === undefined
        ? "not observed: pass --poller-observe (or --observe) to read what the integration recorded"
        : `observation unavailable: ${input.observationError}`;
    return { ...BASE, status, summary, evidence: [] };
  }
  const expected = input.groundTruth
    .humans()
    .filter((recorded) => recorded.visibleAtMs <= input.endMs);
  return observation.kind === "click_ids"
    ? judgeIds(observation.clickIds, expected, input.groundTruth)
    : judgeCounts(observation.counts, expected);
}

function judgeIds(
  clickIds: readonly string[],
  expected: ReturnType<GroundTruth["humans"]>,
  groundTruth: GroundTruth,
): CheckResult {
  const seen = new Map<string, number>();
  for (const clickId of clickIds) {
    seen.set(clickId, (seen.get(clickId) ?? 0) + 1);
  }
  const missing = expected.filter((recorded) => !seen.has(recorded.click.click_id));
  const duplicated = [...seen.entries()].filter(([, count]) => count > 1);
  const extras = [...seen.keys()].filter((clickId) => {
    const recorded = groundTruth.get(clickId);
    return recorded === undefined || recorded.bot;
  });
  const evidence = [
    ...missing.map(
      (recorded) =>
        `missing: click ${recorded.click.click_id} (occurred ${recorded.click.occurred_at})`,
    ),
    ...duplicated.map(([clickId, count]) => `recorded ${count} times: click ${clickId}`),
    ...extras.map((clickId) =>
      groundTruth.get(clickId)?.bot === true
        ? `bot click recorded: ${clickId}`
        : `unknown id recorded: ${clickId}`,
    ),
  ];
  const failed = missing.length + duplicated.length + extras.length > 0;
  return {
    ...BASE,
    status: failed ? "fail" : "pass",
    summary: `${expected.length - missing.length}/${expected.length} human clicks recorded; ${missing.length} missing, ${duplicated.length} recorded more than once, ${extras.length} not real human clicks`,
    evidence: capEvidence(evidence),
    ...(failed
      ? {
          hint:
            missing.length > 0
              ? "Reconcile through the analytics API: re-read windows that a webhook outage or late ingestion may have left incomplete, and record every click id once."
              : "Record each click id once, whatever path it arrives by (webhook, retry, redelivery, reconciliation).",
        }
      : {}),
    data: {
      expected: expected.length,
      missing: missing.map((recorded) => recorded.click.click_id),
      duplicated: duplicated.map(([clickId, count]) => ({ click_id: clickId, count })),
      extras,
    },
  };
}

function judgeCounts(
  counts: ReadonlyMap<number, number>,
  expected: ReturnType<GroundTruth["humans"]>,
): CheckResult {
  const want = new Map<number, number>();
  for (const recorded of expected) {
    want.set(recorded.click.link_id, (want.get(recorded.click.link_id) ?? 0) + 1);
  }
  const linkIds = [...new Set([...want.keys(), ...counts.keys()])].sort((a, b) => a - b);
  const evidence: string[] = [];
  for (const linkId of linkIds) {
    const expectedCount = want.get(linkId) ?? 0;
    const recordedCount = counts.get(linkId) ?? 0;
    if (expectedCount !== recordedCount) {
      evidence.push(`link ${linkId}: recorded ${recordedCount}, ground truth ${expectedCount}`);
    }
  }
  const failed = evidence.length > 0;
  return {
    ...BASE,
    status: failed ? "fail" : "pass",
    summary: `${linkIds.length - evidence.length}/${linkIds.length} links match the ground truth (counts per link cannot name the clicks)`,
    evidence: capEvidence(evidence),
    ...(failed
      ? {
          hint: "Compare your counts with summary per link over the same window, and recover the difference.",
        }
      : {}),
    data: { mismatched_links: evidence.length },
  };
}
