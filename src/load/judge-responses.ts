import type { Measurement } from "./drive-load.js";
import {
  type DeliveryExample,
  exampleOf,
  KIND_NAMES,
  type LoadCheck,
  MAX_EXAMPLES,
  type SendKindName,
} from "./load-check.js";
import { SendKind, STATUS_IN_FLIGHT, STATUS_NO_RESPONSE } from "./send-log.js";

/** Request counts of a run by kind and outcome. */
export interface RequestCounts {
  readonly sent: number;
  readonly byKind: Record<SendKindName, number>;
  /** Count per HTTP status for each kind; `none` is no response, `in_flight` unanswered at stop. */
  readonly statuses: Record<SendKindName, Record<string, number>>;
  readonly noResponse: number;
  readonly inFlightAtStop: number;
  readonly socketErrors: number;
  readonly timeouts: number;
}

/**
 * Counts the outcomes of every request and checks the answers: wrong signatures rejected,
 * valid deliveries accepted, duplicates acknowledged. Requests still in flight at the stop
 * count for no check, because their outcome is unknown.
 */
export function judgeResponses(
  measurement: Measurement,
  duplicatesSent: boolean,
): { counts: RequestCounts; checks: LoadCheck[] } {
  const { log, source } = measurement;
  const byKind: Record<SendKindName, number> = { valid: 0, invalid: 0, duplicate: 0 };
  const statuses: Record<SendKindName, Record<string, number>> = {
    valid: {},
    invalid: {},
    duplicate: {},
  };
  const failures: Record<SendKindName, DeliveryExample[]> = {
    valid: [],
    invalid: [],
    duplicate: [],
  };
  const failureCounts: Record<SendKindName, number> = { valid: 0, invalid: 0, duplicate: 0 };
  let noResponse = 0;
  let inFlightAtStop = 0;

  for (let index = 0; index < log.length; index++) {
    const kind = log.kind(index);
    const name = KIND_NAMES[kind];
    const status = log.status(index);
    byKind[name]++;
    const label =
      status === STATUS_NO_RESPONSE
        ? "none"
        : status === STATUS_IN_FLIGHT
          ? "in_flight"
          : String(status);
    statuses[name][label] = (statuses[name][label] ?? 0) + 1;
    if (status === STATUS_IN_FLIGHT) {
      inFlightAtStop++;
      continue;
    }
    if (status === STATUS_NO_RESPONSE) {
      noResponse++;
    }
    const ok = status >= 200 && status < 300;
    // A wrong signature must get a non-2xx answer; every correctly signed delivery, new or
    // resent, must get a 2xx, because anything else makes the sender retry.
    const failed = kind === SendKind.invalid ? ok : !ok;
    if (failed) {
      failureCounts[name]++;
      if (failures[name].length < MAX_EXAMPLES) {
        failures[name].push(
          exampleOf(source, log.eventIndex(index), kind, {
            status: status === STATUS_NO_RESPONSE ? null : status,
          }),
        );
      }
    }
  }

  const checks: LoadCheck[] = [
    {
      id: "invalid-rejected",
      status: byKind.invalid === 0 ? "not_observed" : failureCounts.invalid === 0 ? "pass" : "fail",
      summary:
        byKind.invalid === 0
          ? "No request had a wrong signature (use --invalid 0.02 to send some)."
          : `${failureCounts.invalid} of ${byKind.invalid} deliveries signed with a wrong secret were accepted with 2xx.`,
      examples: failures.invalid,
    },
    {
      id: "valid-accepted",
      status: byKind.valid === 0 ? "not_observed" : failureCounts.valid === 0 ? "pass" : "fail",
      summary: `${failureCounts.valid} of ${byKind.valid} valid deliveries got no 2xx (a non-2xx status, a timeout or a socket error).`,
      examples: failures.valid,
    },
    {
      id: "duplicates-acknowledged",
      status:
        !duplicatesSent || byKind.duplicate === 0
          ? "not_observed"
          : failureCounts.duplicate === 0
            ? "pass"
            : "fail",
      summary:
        byKind.duplicate === 0
          ? "No duplicate was sent (use --duplicates 0.05 to send some)."
          : `${failureCounts.duplicate} of ${byKind.duplicate} resent deliveries got no 2xx; a receiver must acknowledge a delivery it already processed.`,
      examples: failures.duplicate,
    },
  ];
  return {
    counts: {
      sent: log.length,
      byKind,
      statuses,
      noResponse,
      inFlightAtStop,
      socketErrors: measurement.socketErrors,
      timeouts: measurement.timeouts,
    },
    checks,
  };
}
