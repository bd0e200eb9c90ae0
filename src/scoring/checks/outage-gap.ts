import type { Delivery } from "../../webhooks/delivery-log.js";
import { type CheckResult, capEvidence, formatSimTime } from "../check-result.js";
import type { FaultWindow, ScoringInput } from "../scoring-input.js";
import { describeAttemptResult } from "./format-attempt.js";

/** A span of lost clicks attributed to one injected outage. */
export interface GapWindow {
  readonly outage: string;
  readonly clicks: number;
  /** `occurred_at` of the first and last lost click. */
  readonly firstOccurredAt: string;
  readonly lastOccurredAt: string;
}

/**
 * Whether a permanently failed delivery is the outage's fault or the receiver's. A delivery
 * whose every attempt was blocked by an injected outage is a gap that no webhook-only receiver
 * can avoid. One whose attempts reached the receiver and were answered with an error, a
 * timeout or a reset was lost by the receiver itself. One that got a 2xx whose answer was lost
 * is not lost at all: the receiver has it.
 */
export function classifyFailedDelivery(delivery: Delivery): "outage" | "receiver" | "received" {
  if (delivery.attempts.some((attempt) => attempt.outcome === "success")) {
    return "received";
  }
  return delivery.attempts.every((attempt) => attempt.outcome === "unreachable")
    ? "outage"
    : "receiver";
}

/**
 * The outage gap: human clicks whose delivery failed permanently, always reported with their
 * windows. Fails only when deliveries were lost to the receiver's own answers.
 */
export function checkOutageGap(input: ScoringInput): CheckResult {
  const failed = input.deliveries.filter(
    (delivery) => delivery.status === "failed" && delivery.clickId !== undefined,
  );
  const byCause = {
    outage: [] as Delivery[],
    receiver: [] as Delivery[],
    received: [] as Delivery[],
  };
  for (const delivery of failed) {
    byCause[classifyFailedDelivery(delivery)].push(delivery);
  }
  const windows = gapWindows(byCause.outage, input);
  const evidence = windows.map(
    (window) =>
      `${window.clicks} clicks lost to outage "${window.outage}": occurred ${window.firstOccurredAt} – ${window.lastOccurredAt}`,
  );
  for (const delivery of byCause.receiver) {
    const results = delivery.attempts.map(describeAttemptResult).join(", ");
    evidence.push(
      `${delivery.id} (click ${delivery.clickId}) lost to the receiver's answers: ${results}; failed at ${formatSimTime(delivery.finishedAtMs ?? delivery.createdAtMs)}`,
    );
  }
  const gapSummary =
    byCause.outage.length === 0
      ? "no clicks lost to outages"
      : `${byCause.outage.length} clicks lost in ${windows.length} outage window${windows.length === 1 ? "" : "s"} (expected for a webhook-only receiver; reconciliation can recover them)`;
  const receiverSummary = `${byCause.receiver.length} lost to the receiver's own answers`;
  const status = byCause.receiver.length === 0 ? "pass" : "fail";
  return {
    id: "outage-gap",
    title: "No delivery is lost outside the injected outages",
    status,
    summary: `${gapSummary}; ${receiverSummary}`,
    evidence: capEvidence(evidence),
    ...(status === "fail"
      ? {
          hint:
            "Every retry of these deliveries reached the receiver and failed. Answer 2xx quickly for " +
            "every valid delivery, including ones already processed, and keep errors in your own " +
            "processing from turning into 5xx answers.",
        }
      : {}),
    data: {
      lost_to_outages: byCause.outage.length,
      lost_to_receiver: byCause.receiver.length,
      failed_after_lost_2xx: byCause.received.length,
      gap_windows: windows,
      lost_click_ids: byCause.outage.map((delivery) => delivery.clickId),
      receiver_lost_deliveries: byCause.receiver.map((delivery) => delivery.id),
    },
  };
}

function gapWindows(lost: readonly Delivery[], input: ScoringInput): GapWindow[] {
  const groups = new Map<string, Array<{ occurredAtUs: number; occurredAt: string }>>();
  for (const delivery of lost) {
    const recorded = input.groundTruth.get(delivery.clickId as string);
    if (recorded === undefined) {
      continue;
    }
    const firstAttempt = delivery.attempts[0];
    const outage =
      firstAttempt === undefined ? undefined : findOutage(input.outages, firstAttempt.startedAtMs);
    const name = outage?.name ?? firstAttempt?.fault ?? "unknown";
    const group = groups.get(name) ?? [];
    group.push({ occurredAtUs: recorded.occurredAtUs, occurredAt: recorded.click.occurred_at });
    groups.set(name, group);
  }
  return [...groups.entries()].map(([outage, clicks]) => {
    clicks.sort((a, b) => a.occurredAtUs - b.occurredAtUs);
    return {
      outage,
      clicks: clicks.length,
      firstOccurredAt: (clicks[0] as { occurredAt: string }).occurredAt,
      lastOccurredAt: (clicks.at(-1) as { occurredAt: string }).occurredAt,
    };
  });
}

function findOutage(outages: readonly FaultWindow[], atMs: number): FaultWindow | undefined {
  return outages.find((window) => atMs >= window.startMs && atMs < window.endMs);
}
