import { formatTimestampMs } from "../model/click.js";
import type { RunResult } from "../scenario/run-scenario.js";

export const REPORT_FORMAT_VERSION = 1;

/**
 * Builds the machine-readable report of a run: the verdict with every check's evidence, the
 * timeline of faults and probes, and the full delivery log. The signing secret is left out.
 */
export function buildJsonReport(result: RunResult): Record<string, unknown> {
  const { verdict, scenario } = result;
  return {
    format_version: REPORT_FORMAT_VERSION,
    scenario: { name: scenario.name, description: scenario.description, source: scenario.source },
    seed: result.seed,
    clock: { mode: result.clockMode, speed: Number.isFinite(result.speed) ? result.speed : null },
    simulated: {
      start: formatTimestampMs(result.startMs),
      traffic_end: formatTimestampMs(result.trafficEndMs),
      end: formatTimestampMs(result.endMs),
    },
    // Everything that differs between two runs with the same seed lives under `wall`: ports,
    // wall-clock timestamps and latencies.
    wall: {
      duration_ms: Math.round(result.wallMs),
      api_base: result.start.apiBase,
      receiver_url: result.start.receiverUrl,
    },
    workspace_id: result.start.workspaceId,
    result: verdict.passed ? "pass" : "fail",
    counts: verdict.counts,
    score: verdict.score,
    unobserved_points: verdict.unobservedPoints,
    first_failure: verdict.firstFailure?.id ?? null,
    checks: verdict.checks.map((check) => ({
      id: check.id,
      title: check.title,
      status: check.status,
      summary: check.summary,
      evidence: check.evidence,
      hint: check.hint ?? null,
      data: check.data ?? {},
    })),
    ground_truth: {
      clicks: result.sim.groundTruth.size,
      human_clicks: result.sim.groundTruth.humans().length,
    },
    timeline: {
      outages: result.outages.map((outage) => ({
        name: outage.name,
        start: formatTimestampMs(outage.startMs),
        end: formatTimestampMs(outage.endMs),
      })),
      probes: result.probes.map((probe) => ({
        kind: probe.kind,
        delivery_id: probe.deliveryId,
        sent_at: formatTimestampMs(probe.sentAtMs),
        outcome: probe.outcome,
        status: probe.statusCode ?? null,
        error: probe.error ?? null,
        wall: { latency_ms: roundLatency(probe.latencyMs) },
      })),
    },
    receiver_exit: result.receiverExitedEarly ?? null,
    pending_deliveries: result.pendingDeliveries,
    simulator_errors: result.taskErrors,
    observation: result.observation
      ? { kind: result.observation.kind, wall: { source: result.observation.source } }
      : { error: result.observationError ?? null },
    deliveries: result.deliveries.map((delivery) => ({
      id: delivery.id,
      event_id: delivery.eventId,
      click_id: delivery.clickId ?? null,
      status: delivery.status,
      created_at: formatTimestampMs(delivery.createdAtMs),
      finished_at:
        delivery.finishedAtMs === undefined ? null : formatTimestampMs(delivery.finishedAtMs),
      attempts: delivery.attempts.map((attempt) => ({
        number: attempt.number,
        started_at: formatTimestampMs(attempt.startedAtMs),
        outcome: attempt.outcome,
        status: attempt.statusCode ?? null,
        error: attempt.error ?? null,
        response_lost: attempt.responseLost ?? false,
        fault: attempt.fault ?? null,
        wall: {
          signature_timestamp: attempt.signatureTimestamp,
          latency_ms: roundLatency(attempt.latencyMs),
        },
      })),
    })),
  };
}

/** Renders `report.json`. */
export function renderJsonReport(result: RunResult): string {
  return `${JSON.stringify(buildJsonReport(result), null, 2)}\n`;
}

/** Microsecond precision is all a wall-clock latency on loopback carries. */
function roundLatency(latencyMs: number): number {
  return Math.round(latencyMs * 1000) / 1000;
}
