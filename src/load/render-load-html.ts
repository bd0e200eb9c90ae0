import type { LatencyBucket, LatencySummary } from "./latency-stats.js";
import type { LoadReport } from "./load-report.js";
import { formatMicroseconds } from "./render-load-table.js";

const CHART_WIDTH = 720;
const CHART_HEIGHT = 240;
const MARGIN = { left: 60, right: 16, top: 16, bottom: 48 };

/**
 * Renders a self-contained HTML report: inline CSS and inline SVG charts, no scripts and no
 * external assets, so it opens offline. SVG is inlined in HTML5, which needs no namespace.
 */
export function renderLoadHtml(report: LoadReport): string {
  const failed = report.checks.filter((check) => check.status === "fail");
  const verdict = failed.length === 0 ? "PASS" : `FAIL (${failed.map((c) => c.id).join(", ")})`;
  const latencyRows: Array<[string, LatencySummary]> = [
    ["service time", report.latency.serviceTime],
  ];
  if (report.latency.fromIntendedStart !== null) {
    latencyRows.push(["from intended start", report.latency.fromIntendedStart]);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>elido-sim load: ${escapeHtml(report.target)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.pass { color: #17702a; } .fail { color: #b3261e; } .not_observed { color: #8a6d00; }
svg text { font-size: 11px; fill: #444; }
</style>
</head>
<body>
<h1>elido-sim load</h1>
<p>Target <code>${escapeHtml(report.target)}</code>, ${report.mode === "fixed-rate" ? `fixed rate ${report.targetRate}/s` : "maximum throughput"}, ${report.connections} connections, warmup ${report.warmupSeconds} s. Stopped: ${escapeHtml(report.stopReason)}.</p>
<p class="${failed.length === 0 ? "pass" : "fail"}"><strong>Result: ${escapeHtml(verdict)}</strong></p>
<h2>Checks</h2>
<table><tr><th>Check</th><th>Status</th><th>Summary</th></tr>
${report.checks.map((check) => `<tr><td>${escapeHtml(check.id)}</td><td class="${check.status}">${check.status}</td><td style="text-align:left">${escapeHtml(check.summary)}</td></tr>`).join("\n")}
</table>
<h2>Requests</h2>
<p>Sent ${report.requests.sent}: valid ${report.requests.byKind.valid}, duplicates ${report.requests.byKind.duplicate}, wrong signature ${report.requests.byKind.invalid}. No response ${report.requests.noResponse}, in flight at stop ${report.requests.inFlightAtStop}. Throughput ${report.throughput.perSecond.toFixed(0)} responses/s over ${report.throughput.measuredSeconds.toFixed(2)} s measured.</p>
<h2>Latency</h2>
<table><tr><th>Latency</th><th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th><th>max</th></tr>
${latencyRows.map(([name, s]) => `<tr><td>${name}</td><td>${s.count}</td>${[s.p50, s.p90, s.p99, s.p999, s.p9999, s.max].map((value) => `<td>${escapeHtml(formatMicroseconds(value))}</td>`).join("")}</tr>`).join("\n")}
</table>
<p>${escapeHtml(report.latency.coordinatedOmission)}</p>
<h3>Latency histogram (${report.latency.fromIntendedStart === null ? "service time" : "from intended start"}, log scale)</h3>
${latencyChart(report.latency.buckets)}
<h3>Throughput over time (responses per second)</h3>
${throughputChart(report)}
<h2>Saturation</h2>
<p><strong>${report.saturation.limit}</strong>: ${escapeHtml(report.saturation.explanation)}</p>
${report.observation === null ? "" : `<h2>Observation</h2><p>${escapeHtml(report.observation.source)} (${report.observation.format}): missing ${report.observation.missing}, recorded more than once ${report.observation.duplicatesRecorded}, wrong signature recorded ${report.observation.invalidRecorded}.</p>`}
</body>
</html>
`;
}

function latencyChart(buckets: readonly LatencyBucket[]): string {
  if (buckets.length === 0) {
    return "<p>No latencies were measured.</p>";
  }
  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxCount = Math.max(...buckets.map((bucket) => bucket.count));
  const barWidth = plotWidth / buckets.length;
  const bars = buckets
    .map((bucket, index) => {
      const height = (bucket.count / maxCount) * plotHeight;
      const x = MARGIN.left + index * barWidth;
      const y = MARGIN.top + plotHeight - height;
      const label = `${formatMicroseconds(bucket.fromUs)} to ${formatMicroseconds(bucket.toUs)}: ${bucket.count}`;
      return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${height.toFixed(1)}" fill="#3b6ea5"><title>${escapeHtml(label)}</title></rect>`;
    })
    .join("");
  const step = Math.max(1, Math.ceil(buckets.length / 8));
  const labels = buckets
    .map((bucket, index) =>
      index % step === 0
        ? `<text x="${(MARGIN.left + index * barWidth).toFixed(1)}" y="${CHART_HEIGHT - MARGIN.bottom + 16}">${escapeHtml(formatMicroseconds(bucket.fromUs))}</text>`
        : "",
    )
    .join("");
  return svg(
    `${axes(maxCount)}${bars}${labels}<text x="${MARGIN.left}" y="${CHART_HEIGHT - 8}">latency</text>`,
  );
}

function throughputChart(report: LoadReport): string {
  const timeline = report.throughput.timeline;
  if (timeline.length === 0) {
    return "<p>No responses were recorded.</p>";
  }
  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = timeline.map((second) => second.ok + second.non2xx + second.noResponse);
  const maxTotal = Math.max(1, ...totals);
  const barWidth = plotWidth / timeline.length;
  const series: Array<[keyof (typeof timeline)[number], string]> = [
    ["ok", "#2e7d32"],
    ["non2xx", "#c62828"],
    ["noResponse", "#6d4c41"],
  ];
  const bars = timeline
    .map((second, index) => {
      let top = MARGIN.top + plotHeight;
      const x = MARGIN.left + index * barWidth;
      return series
        .map(([key, color]) => {
          const height = ((second[key] as number) / maxTotal) * plotHeight;
          top -= height;
          return `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${height.toFixed(1)}" fill="${color}"><title>second ${second.second}: ${String(second[key])} ${key}</title></rect>`;
        })
        .join("");
    })
    .join("");
  const step = Math.max(1, Math.ceil(timeline.length / 10));
  const labels = timeline
    .map((second, index) =>
      index % step === 0
        ? `<text x="${(MARGIN.left + index * barWidth).toFixed(1)}" y="${CHART_HEIGHT - MARGIN.bottom + 16}">${second.second} s</text>`
        : "",
    )
    .join("");
  const legend = series
    .map(
      ([key, color], index) =>
        `<rect x="${MARGIN.left + index * 110}" y="${CHART_HEIGHT - 20}" width="10" height="10" fill="${color}"></rect><text x="${MARGIN.left + index * 110 + 14}" y="${CHART_HEIGHT - 11}">${key === "ok" ? "2xx" : key === "non2xx" ? "non-2xx" : "no response"}</text>`,
    )
    .join("");
  return svg(`${axes(maxTotal)}${bars}${labels}${legend}`);
}

function axes(maxValue: number): string {
  const bottom = CHART_HEIGHT - MARGIN.bottom;
  return (
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#888"></line>` +
    `<line x1="${MARGIN.left}" y1="${bottom}" x2="${CHART_WIDTH - MARGIN.right}" y2="${bottom}" stroke="#888"></line>` +
    `<text x="4" y="${MARGIN.top + 10}">${maxValue}</text><text x="4" y="${bottom}">0</text>`
  );
}

function svg(content: string): string {
  return `<svg width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img">${content}</svg>`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
