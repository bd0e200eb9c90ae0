import type { ProbeGroup, ProbeResult } from "../../faults/signature-probes.js";
import { type CheckResult, capEvidence, formatSimTime } from "../check-result.js";
import type { ScoringInput } from "../scoring-input.js";
import { describeAttemptResult } from "./format-attempt.js";

interface ProbeCheckDefinition {
  readonly id: string;
  readonly title: string;
  readonly group: ProbeGroup;
  readonly hint: string;
}

const PROBE_CHECKS: readonly ProbeCheckDefinition[] = [
  {
    id: "wrong-secret-rejected",
    title: "Deliveries signed with a wrong secret are rejected",
    group: "wrong_secret",
    hint:
      "Verify X-Webhook-Signature on every delivery: HMAC-SHA256 with the endpoint secret over " +
      '"<X-Webhook-Timestamp>.<raw body>", compared in constant time, and answer 4xx on a mismatch.',
  },
  {
    id: "stale-timestamp-rejected",
    title: "Validly signed deliveries with a 10-minute-old timestamp are rejected",
    group: "stale_timestamp",
    hint:
      "Reject deliveries whose X-Webhook-Timestamp is more than 5 minutes from your clock, in either " +
      "direction: a valid signature alone does not stop a replayed request.",
  },
  {
    id: "malformed-signature-rejected",
    title: "Malformed signature headers get a 4xx, not a 5xx",
    group: "malformed_signature",
    hint:
      "A 5xx on a malformed signature usually means the constant-time compare threw: " +
      "crypto.timingSafeEqual throws on buffers of different lengths, so check the length first " +
      "and parse the v1= prefix and hex digits before comparing.",
  },
];

/** Runs the three signature checks over the probes the run sent. */
export function checkSignatureProbes(input: ScoringInput): CheckResult[] {
  return PROBE_CHECKS.map((definition) => judgeProbes(definition, input.probes));
}

function judgeProbes(
  definition: ProbeCheckDefinition,
  allProbes: readonly ProbeResult[],
): CheckResult {
  const probes = allProbes.filter((probe) => probe.group === definition.group);
  const base = { id: definition.id, title: definition.title };
  if (probes.length === 0) {
    return {
      ...base,
      status: "not_observed",
      summary: "no probe of this kind was sent",
      evidence: [],
    };
  }
  const isRejected = (probe: ProbeResult) =>
    probe.statusCode !== undefined && probe.statusCode >= 400 && probe.statusCode < 500;
  const notRejected = probes.filter((probe) => !isRejected(probe));
  const serverErrors = notRejected.filter((probe) => (probe.statusCode ?? 0) >= 500).length;
  const statuses = [...new Set(probes.filter(isRejected).map((probe) => probe.statusCode))].join(
    ", ",
  );
  const describe = (probe: ProbeResult) =>
    `${probe.deliveryId} (${probe.description}) at ${formatSimTime(probe.sentAtMs)}: ${describeAttemptResult(probe)}` +
    ((probe.statusCode ?? 0) >= 200 && (probe.statusCode ?? 0) < 300 ? " (accepted)" : "");
  if (notRejected.length === 0) {
    return {
      ...base,
      status: "pass",
      summary: `${probes.length}/${probes.length} probes rejected (${statuses})`,
      evidence: capEvidence(probes.map(describe)),
      data: { sent: probes.length, rejected: probes.length, server_errors: 0 },
    };
  }
  return {
    ...base,
    status: "fail",
    summary:
      `${notRejected.length}/${probes.length} probes not rejected with a 4xx` +
      (serverErrors > 0 ? `, ${serverErrors} answered 5xx` : ""),
    evidence: capEvidence(notRejected.map(describe)),
    hint: definition.hint,
    data: {
      sent: probes.length,
      rejected: probes.length - notRejected.length,
      server_errors: serverErrors,
      not_rejected: notRejected.map((probe) => ({
        delivery_id: probe.deliveryId,
        kind: probe.kind,
        status: probe.statusCode ?? null,
        error: probe.error ?? null,
      })),
    },
  };
}
