import type { Observation } from "../scoring/observation.js";
import type { Measurement } from "./drive-load.js";
import { type DeliveryExample, exampleOf, type LoadCheck, MAX_EXAMPLES } from "./load-check.js";
import { SendKind, STATUS_IN_FLIGHT } from "./send-log.js";

/** What the observation showed about this run's deliveries. */
export interface ObservationSummary {
  readonly source: string;
  readonly format: "click_ids" | "counts";
  /** Acknowledged valid events the receiver did not record. */
  readonly missing: number;
  /** Events recorded more than once (click_ids), or records above what was sent (counts). */
  readonly duplicatesRecorded: number;
  /** Events with a wrong signature that were recorded (click_ids only). */
  readonly invalidRecorded: number;
  /** Click ids in the observation that this run did not send, e.g. from earlier runs. */
  readonly foreignClickIds: number;
}

/** Per-event flags gathered from the send log. */
const SENT_VALID = 1;
const ACKNOWLEDGED = 2;
const SENT_INVALID = 4;

/**
 * Compares what the receiver recorded with what was sent. A valid event counts as missing only
 * when the receiver acknowledged it with 2xx; an event whose every attempt failed may or may not
 * have been recorded, so it counts for neither missing nor duplicate.
 */
export function judgeObservation(
  measurement: Measurement,
  observation: Observation,
): { summary: ObservationSummary; checks: LoadCheck[] } {
  const { log, source } = measurement;
  const flags = new Uint8Array(source.eventCount);
  for (let index = 0; index < log.length; index++) {
    const eventIndex = log.eventIndex(index);
    const kind = log.kind(index);
    const status = log.status(index);
    if (kind === SendKind.invalid) {
      flags[eventIndex] = (flags[eventIndex] as number) | SENT_INVALID;
      continue;
    }
    flags[eventIndex] = (flags[eventIndex] as number) | SENT_VALID;
    if (status !== STATUS_IN_FLIGHT && status >= 200 && status < 300) {
      flags[eventIndex] = (flags[eventIndex] as number) | ACKNOWLEDGED;
    }
  }
  return observation.kind === "click_ids"
    ? judgeClickIds(measurement, flags, observation.clickIds, observation.source)
    : judgeCounts(measurement, flags, observation.counts, observation.source);
}

function judgeClickIds(
  measurement: Measurement,
  flags: Uint8Array,
  clickIds: readonly string[],
  sourceName: string,
): { summary: ObservationSummary; checks: LoadCheck[] } {
  const { source } = measurement;
  const recorded = new Uint32Array(flags.length);
  let foreignClickIds = 0;
  for (const clickId of clickIds) {
    const eventIndex = source.eventIndexOfClick(clickId);
    if (eventIndex < 0) {
      foreignClickIds++;
    } else {
      recorded[eventIndex] = (recorded[eventIndex] as number) + 1;
    }
  }

  let missing = 0;
  let duplicatesRecorded = 0;
  let invalidRecorded = 0;
  const missingExamples: DeliveryExample[] = [];
  const duplicateExamples: DeliveryExample[] = [];
  const invalidExamples: DeliveryExample[] = [];
  for (let eventIndex = 0; eventIndex < flags.length; eventIndex++) {
    const flag = flags[eventIndex] as number;
    const times = recorded[eventIndex] as number;
    if (flag & SENT_INVALID) {
      if (times > 0) {
        invalidRecorded++;
        pushExample(invalidExamples, measurement, eventIndex, SendKind.invalid, times);
      }
      continue;
    }
    if (flag & ACKNOWLEDGED && times === 0) {
      missing++;
      pushExample(missingExamples, measurement, eventIndex, SendKind.valid, times);
    }
    if (times > 1) {
      duplicatesRecorded++;
      pushExample(duplicateExamples, measurement, eventIndex, SendKind.valid, times);
    }
  }

  const summary: ObservationSummary = {
    source: sourceName,
    format: "click_ids",
    missing,
    duplicatesRecorded,
    invalidRecorded,
    foreignClickIds,
  };
  return {
    summary,
    checks: [
      {
        id: "no-missing-deliveries",
        status: missing === 0 ? "pass" : "fail",
        summary: `${missing} valid deliveries acknowledged with 2xx are not in the observation.`,
        examples: missingExamples,
      },
      {
        id: "no-duplicates-recorded",
        status: duplicatesRecorded === 0 ? "pass" : "fail",
        summary: `${duplicatesRecorded} events were recorded more than once; a receiver must deduplicate by event id.`,
        examples: duplicateExamples,
      },
      {
        id: "no-invalid-recorded",
        status: invalidRecorded === 0 ? "pass" : "fail",
        summary: `${invalidRecorded} events with a wrong signature were recorded.`,
        examples: invalidExamples,
      },
    ],
  };
}

/**
 * Judges `{"counts": {link_id: n}}` per link: fewer records than acknowledged events is a miss,
 * more than the valid events sent is a duplicate. Counts cannot tell an invalid event apart, so
 * a recorded invalid event reads as a duplicate here.
 */
function judgeCounts(
  measurement: Measurement,
  flags: Uint8Array,
  counts: ReadonlyMap<number, number>,
  sourceName: string,
): { summary: ObservationSummary; checks: LoadCheck[] } {
  const { source } = measurement;
  const acknowledged = new Map<number, number>();
  const sentValid = new Map<number, number>();
  for (let eventIndex = 0; eventIndex < flags.length; eventIndex++) {
    const flag = flags[eventIndex] as number;
    const linkId = source.linkIdOf(eventIndex);
    if (flag & SENT_VALID) {
      sentValid.set(linkId, (sentValid.get(linkId) ?? 0) + 1);
    }
    if (flag & ACKNOWLEDGED) {
      acknowledged.set(linkId, (acknowledged.get(linkId) ?? 0) + 1);
    }
  }
  let missing = 0;
  let duplicatesRecorded = 0;
  for (const [linkId, sent] of sentValid) {
    const observed = counts.get(linkId) ?? 0;
    missing += Math.max(0, (acknowledged.get(linkId) ?? 0) - observed);
    duplicatesRecorded += Math.max(0, observed - sent);
  }
  const summary: ObservationSummary = {
    source: sourceName,
    format: "counts",
    missing,
    duplicatesRecorded,
    invalidRecorded: 0,
    foreignClickIds: 0,
  };
  return {
    summary,
    checks: [
      {
        id: "no-missing-deliveries",
        status: missing === 0 ? "pass" : "fail",
        summary: `Per-link counts are ${missing} below the valid deliveries acknowledged with 2xx.`,
        examples: [],
      },
      {
        id: "no-duplicates-recorded",
        status: duplicatesRecorded === 0 ? "pass" : "fail",
        summary: `Per-link counts are ${duplicatesRecorded} above the valid events sent (duplicates or invalid events recorded).`,
        examples: [],
      },
    ],
  };
}

function pushExample(
  examples: DeliveryExample[],
  measurement: Measurement,
  eventIndex: number,
  kind: SendKind,
  recorded: number,
): void {
  if (examples.length < MAX_EXAMPLES) {
    examples.push(exampleOf(measurement.source, eventIndex, kind, { recorded }));
  }
}
