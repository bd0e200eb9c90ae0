import type { Delivery } from "../../webhooks/delivery-log.js";
import { type CheckResult, capEvidence } from "../check-result.js";
import type { Observation } from "../observation.js";
import type { ScoringInput } from "../scoring-input.js";

const MISSES = { id: "no-misses", title: "Every accepted delivery is recorded" } as const;
const DUPLICATES = {
  id: "no-duplicates",
  title: "No click is recorded twice, and none that did not happen",
} as const;

/**
 * Misses and duplicates against the ground truth. A click whose delivery got a 2xx (even one
 * whose answer was then lost) but that the integration never recorded is a miss; one recorded
 * more than once is a duplicate; a recorded id that is no click at all, such as a forged
 * probe, is an extra.
 */
export function checkLedger(input: ScoringInput): CheckResult[] {
  const observation = input.observation;
  if (observation === undefined) {
    const reason =
      input.observationError === undefined
        ? "not observed: pass --observe URL|FILE to read what the integration recorded"
        : `observation unavailable: ${input.observationError}`;
    const status = input.observationError === undefined ? "not_observed" : "fail";
    return [
      { ...MISSES, status, summary: reason, evidence: [] },
      { ...DUPLICATES, status, summary: reason, evidence: [] },
    ];
  }
  const accepted = acceptedDeliveriesByClick(input.deliveries);
  return observation.kind === "click_ids"
    ? judgeClickIds(observation, accepted, input)
    : judgeCounts(observation, accepted, input);
}

/** Returns the deliveries that got a 2xx at least once, keyed by click id. */
function acceptedDeliveriesByClick(deliveries: readonly Delivery[]): Map<string, Delivery> {
  const accepted = new Map<string, Delivery>();
  for (const delivery of deliveries) {
    if (
      delivery.clickId !== undefined &&
      delivery.attempts.some((attempt) => attempt.outcome === "success")
    ) {
      accepted.set(delivery.clickId, delivery);
    }
  }
  return accepted;
}

function judgeClickIds(
  observation: Extract<Observation, { kind: "click_ids" }>,
  accepted: Map<string, Delivery>,
  input: ScoringInput,
): CheckResult[] {
  const seen = new Map<string, number>();
  for (const clickId of observation.clickIds) {
    seen.set(clickId, (seen.get(clickId) ?? 0) + 1);
  }
  const probeIds = new Map(input.probes.map((probe) => [probe.clickId, probe]));

  const missing = [...accepted.entries()].filter(([clickId]) => !seen.has(clickId));
  const duplicates = [...seen.entries()].filter(
    ([clickId, count]) => count > 1 && !probeIds.has(clickId),
  );
  const extras: string[] = [];
  let recovered = 0;
  for (const clickId of seen.keys()) {
    const probe = probeIds.get(clickId);
    if (probe !== undefined) {
      extras.push(
        `${clickId}: the click of forged probe ${probe.deliveryId} (${probe.description})`,
      );
    } else if (input.groundTruth.get(clickId) === undefined) {
      extras.push(`${clickId}: no such click in the ground truth`);
    } else if (!accepted.has(clickId)) {
      recovered++;
    }
  }

  const missEvidence = missing.map(([clickId, delivery]) => {
    const accepting = delivery.attempts.find((attempt) => attempt.outcome === "success");
    return `click ${clickId}: ${delivery.id} attempt ${accepting?.number} answered ${accepting?.statusCode}, never recorded`;
  });
  const misses: CheckResult = {
    ...MISSES,
    status: missing.length === 0 ? "pass" : "fail",
    summary:
      `${accepted.size - missing.length}/${accepted.size} accepted clicks recorded` +
      (recovered > 0 ? `; ${recovered} more recovered beyond the accepted deliveries` : ""),
    evidence: capEvidence(missEvidence),
    ...(missing.length > 0
      ? {
          hint:
            "The receiver answered 2xx but did not record the click: persist the event before " +
            "answering, or queue it durably, so that a crash or an error after the 2xx loses nothing.",
        }
      : {}),
    data: {
      accepted: accepted.size,
      missing: missing.map(([clickId]) => clickId),
      recovered,
    },
  };

  const duplicateEvidence = duplicates.map(([clickId, count]) => {
    const delivery = accepted.get(clickId);
    const attempts =
      delivery?.attempts.filter((attempt) => attempt.outcome === "success").length ?? 0;
    return `click ${clickId}: recorded ${count} times; ${delivery?.id ?? "no delivery"} answered 2xx ${attempts} times`;
  });
  const duplicateFailed = duplicates.length > 0 || extras.length > 0;
  const duplicateResult: CheckResult = {
    ...DUPLICATES,
    status: duplicateFailed ? "fail" : "pass",
    summary: `${duplicates.length} clicks recorded more than once, ${extras.length} recorded ids that are no real click`,
    evidence: capEvidence([...duplicateEvidence, ...extras]),
    ...(duplicateFailed
      ? {
          hint:
            duplicates.length > 0
              ? "Deliveries repeat (a lost 2xx, a retry after a slow answer, a manual redelivery): " +
                "make processing idempotent on the event id or click id, not on arrival."
              : "The integration recorded clicks that never happened: only record deliveries whose signature and timestamp verified.",
        }
      : {}),
    data: {
      duplicated: duplicates.map(([clickId, count]) => ({ click_id: clickId, count })),
      extras,
    },
  };
  return [misses, duplicateResult];
}

function judgeCounts(
  observation: Extract<Observation, { kind: "counts" }>,
  accepted: Map<string, Delivery>,
  input: ScoringInput,
): CheckResult[] {
  const expected = new Map<number, number>();
  for (const clickId of accepted.keys()) {
    const linkId = input.groundTruth.get(clickId)?.click.link_id;
    if (linkId !== undefined) {
      expected.set(linkId, (expected.get(linkId) ?? 0) + 1);
    }
  }
  const acceptedProbes = new Map<number, number>();
  for (const probe of input.probes) {
    if ((probe.statusCode ?? 0) >= 200 && (probe.statusCode ?? 0) < 300) {
      acceptedProbes.set(probe.linkId, (acceptedProbes.get(probe.linkId) ?? 0) + 1);
    }
  }
  const linkIds = [...new Set([...expected.keys(), ...observation.counts.keys()])].sort(
    (a, b) => a - b,
  );
  const missEvidence: string[] = [];
  const excessEvidence: string[] = [];
  let missingTotal = 0;
  let excessTotal = 0;
  for (const linkId of linkIds) {
    const want = expected.get(linkId) ?? 0;
    const got = observation.counts.get(linkId) ?? 0;
    if (got < want) {
      missingTotal += want - got;
      missEvidence.push(
        `link ${linkId}: recorded ${got}, accepted ${want} (${want - got} missing)`,
      );
    } else if (got > want) {
      excessTotal += got - want;
      const probes = acceptedProbes.get(linkId) ?? 0;
      excessEvidence.push(
        `link ${linkId}: recorded ${got}, accepted ${want} (${got - want} too many` +
          (probes > 0 ? `; ${probes} forged probes on this link were accepted` : "") +
          ")",
      );
    }
  }
  const note = "counts per link cannot name the clicks; observe click_ids for ids";
  const acceptedTotal = accepted.size;
  return [
    {
      ...MISSES,
      status: missingTotal === 0 ? "pass" : "fail",
      summary: `${acceptedTotal - missingTotal}/${acceptedTotal} accepted clicks counted (${note})`,
      evidence: capEvidence(missEvidence),
      ...(missingTotal > 0
        ? {
            hint: "The receiver answered 2xx but did not count the click: persist before answering.",
          }
        : {}),
      data: { accepted: acceptedTotal, missing: missingTotal },
    },
    {
      ...DUPLICATES,
      status: excessTotal === 0 ? "pass" : "fail",
      summary: `${excessTotal} counted beyond the accepted clicks (${note})`,
      evidence: capEvidence(excessEvidence),
      ...(excessTotal > 0
        ? {
            hint:
              "Counts exceed the deliveries the receiver accepted: deliveries repeat (a lost 2xx, a " +
              "retry), so count each event id once.",
          }
        : {}),
      data: { excess: excessTotal },
    },
  ];
}
