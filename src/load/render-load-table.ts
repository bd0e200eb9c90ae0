import type { LatencySummary } from "./latency-stats.js";
import type { LoadCheckStatus } from "./load-check.js";
import type { LoadReport } from "./load-report.js";

export interface LoadTableOptions {
  /** Use ANSI colours; callers turn this off for `NO_COLOR` and for output that is not a TTY. */
  readonly color: boolean;
}

const STATUS_LABEL: Record<LoadCheckStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  not_observed: "N/O ",
};
const STATUS_COLOR: Record<LoadCheckStatus, string> = {
  pass: "32",
  fail: "31",
  not_observed: "33",
};

/** Formats microseconds with a unit that keeps three significant digits: `850 µs`, `2.38 ms`. */
export function formatMicroseconds(us: number): string {
  if (us < 1_000) {
    return `${Math.round(us)} µs`;
  }
  if (us < 1_000_000) {
    return `${Number((us / 1_000).toPrecision(3))} ms`;
  }
  return `${Number((us / 1_000_000).toPrecision(3))} s`;
}

/** Renders the terminal report of a load run. The text is deterministic for a given report. */
export function renderLoadTable(report: LoadReport, options: LoadTableOptions): string {
  const paint = (code: string, text: string) =>
    options.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  const mode =
    report.mode === "fixed-rate" ? `fixed rate ${report.targetRate}/s` : "maximum throughput";
  lines.push(paint("1", `elido-sim load: ${report.target}`));
  lines.push(
    `Mode: ${mode}, ${report.connections} connections, warmup ${report.warmupSeconds} s, ` +
      `${report.durationSeconds === null ? `amount ${report.amount}` : `duration ${report.durationSeconds} s`}; ` +
      `stopped: ${report.stopReason}`,
  );
  lines.push("");

  const { requests } = report;
  lines.push(
    `Requests sent: ${requests.sent} (valid ${requests.byKind.valid}, duplicates ${requests.byKind.duplicate}, wrong signature ${requests.byKind.invalid}); ` +
      `no response ${requests.noResponse} (timeouts ${requests.timeouts}, socket errors ${requests.socketErrors}); in flight at stop ${requests.inFlightAtStop}`,
  );
  for (const kind of ["valid", "duplicate", "invalid"] as const) {
    const statuses = Object.entries(requests.statuses[kind]);
    if (statuses.length > 0) {
      lines.push(
        `  ${kind.padEnd(9)} by status: ${statuses.map(([status, count]) => `${status}: ${count}`).join(", ")}`,
      );
    }
  }
  lines.push(
    `Throughput: ${report.throughput.perSecond.toFixed(0)} responses/s over ${report.throughput.measuredSeconds.toFixed(2)} s measured (${report.throughput.responses} responses)`,
  );
  lines.push("");

  lines.push(...renderLatencyTable(report));
  lines.push(`Coordinated omission: ${report.latency.coordinatedOmission}`);
  lines.push("");

  const { saturation } = report;
  lines.push(`Saturation: ${saturation.limit}. ${saturation.explanation}`);
  if (saturation.calibration !== null) {
    lines.push(
      `  Calibration: ${saturation.calibration.rate.toFixed(0)} responses/s against a trivial responder at generator CPU ${(saturation.calibration.cpuShare * 100).toFixed(0)} % of one core; ceiling about ${saturation.calibration.ceilingRate.toFixed(0)}/s on a full core.`,
    );
  }
  if (report.observation !== null) {
    const observed = report.observation;
    lines.push(
      `Observation (${observed.format}, ${observed.source}): missing ${observed.missing}, recorded more than once ${observed.duplicatesRecorded}, wrong signature recorded ${observed.invalidRecorded}, click ids from elsewhere ${observed.foreignClickIds}`,
    );
  }
  lines.push("");

  const idWidth = Math.max(...report.checks.map((check) => check.id.length));
  for (const check of report.checks) {
    lines.push(
      `${paint(STATUS_COLOR[check.status], STATUS_LABEL[check.status])}  ${check.id.padEnd(idWidth)}  ${check.summary}`,
    );
    for (const example of check.examples) {
      const outcome =
        example.status !== undefined
          ? `status ${example.status ?? "none"}`
          : `recorded ${example.recorded ?? 0} times`;
      lines.push(
        `      ${example.kind} delivery ${example.deliveryId} event ${example.eventId} click ${example.clickId}: ${outcome}`,
      );
    }
  }
  lines.push("");
  const failed = report.checks.filter((check) => check.status === "fail");
  if (failed.length === 0) {
    lines.push(paint("32;1", "Result: PASS"));
  } else {
    lines.push(
      paint(
        "31;1",
        `Result: FAIL (${failed.length} failed: ${failed.map((check) => check.id).join(", ")})`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

function renderLatencyTable(report: LoadReport): string[] {
  const rows: Array<[string, LatencySummary]> = [["service time", report.latency.serviceTime]];
  if (report.latency.fromIntendedStart !== null) {
    rows.push(["from intended start", report.latency.fromIntendedStart]);
  }
  const header = ["Latency", "count", "p50", "p90", "p99", "p99.9", "p99.99", "max"];
  const body = rows.map(([name, summary]) => [
    name,
    String(summary.count),
    ...[summary.p50, summary.p90, summary.p99, summary.p999, summary.p9999, summary.max].map(
      formatMicroseconds,
    ),
  ]);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...body.map((row) => (row[column] as string).length)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join("  ");
  return [format(header), ...body.map(format)];
}
