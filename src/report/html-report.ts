import { formatDuration } from "../clock/duration.js";
import type { RunResult } from "../scenario/run-scenario.js";
import type { CheckStatus } from "../scoring/check-result.js";
import { escapeXml as escapeHtml } from "./junit-report.js";
import { buildTimeline, type Timeline } from "./timeline.js";

const STATUS_CLASS: Record<CheckStatus, string> = {
  pass: "pass",
  fail: "fail",
  not_observed: "unobserved",
};
const STATUS_TEXT: Record<CheckStatus, string> = {
  pass: "PASS",
  fail: "FAIL",
  not_observed: "NOT OBSERVED",
};

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1100px; color: #1d1d1f; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.meta { color: #555; margin: 0 0 16px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.verdict.pass { background: #e6f4ea; color: #1e6b30; }
.verdict.fail { background: #fdecea; color: #9b1c1c; }
table { border-collapse: collapse; width: 100%; margin: 12px 0 24px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e3e3e3; }
td.status { font-weight: 600; white-space: nowrap; }
td.pass { color: #1e6b30; } td.fail { color: #9b1c1c; } td.unobserved { color: #8a6d00; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; margin: 6px 0 0; font-size: 12px; }
.hint { color: #444; font-style: italic; margin-top: 4px; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
`;

/**
 * Renders a self-contained HTML report: the verdict, a timeline of traffic, outages, 429s,
 * deliveries and failures over simulated time as inline SVG, and every check with its
 * evidence. It loads nothing from the network, so it opens offline and as a CI artifact.
 */
export function renderHtmlReport(result: RunResult): string {
  const { verdict, scenario } = result;
  const timeline = buildTimeline(result);
  const rows = verdict.checks
    .map((check) => {
      const evidence =
        check.evidence.length === 0
          ? ""
          : `<pre>${check.evidence.map(escapeHtml).join("\n")}</pre>`;
      const hint =
        check.status === "fail" && check.hint !== undefined
          ? `<div class="hint">Hint: ${escapeHtml(check.hint)}</div>`
          : "";
      return (
        `<tr><td class="status ${STATUS_CLASS[check.status]}">${STATUS_TEXT[check.status]}</td>` +
        `<td><code>${escapeHtml(check.id)}</code><br>${escapeHtml(check.title)}</td>` +
        `<td>${escapeHtml(check.summary)}${evidence}${hint}</td></tr>`
      );
    })
    .join("\n");
  const firstFailure =
    verdict.firstFailure === undefined
      ? ""
      : `<p><strong>First failed check:</strong> <code>${escapeHtml(verdict.firstFailure.id)}</code>: ${escapeHtml(verdict.firstFailure.summary)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>elido-sim report: ${escapeHtml(scenario.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>elido-sim report: ${escapeHtml(scenario.name)}</h1>
<p class="meta">${escapeHtml(scenario.description)}</p>
<p class="meta">Seed ${result.seed}; ${escapeHtml(formatDuration(result.endMs - result.startMs))} of simulated time from ${escapeHtml(new Date(result.startMs).toISOString())}; ${(result.wallMs / 1000).toFixed(1)} s of wall time; ${result.deliveries.length} deliveries; ${result.probes.length} probes.</p>
<div class="verdict ${verdict.passed ? "pass" : "fail"}">${verdict.passed ? "PASS" : "FAIL"}: score ${verdict.score}/100 (${verdict.counts.pass} passed, ${verdict.counts.fail} failed, ${verdict.counts.not_observed} not observed)</div>
${firstFailure}
<h2>Timeline</h2>
${renderTimelineSvg(timeline)}
<h2>Checks</h2>
<table>
<thead><tr><th>Result</th><th>Check</th><th>Details and evidence</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}

const CHART_WIDTH = 1060;
const LABEL_WIDTH = 210;
const ROW_HEIGHT = 56;
const AXIS_HEIGHT = 28;

/** Draws one bar row per series over simulated time, with outage windows shaded across all rows. */
export function renderTimelineSvg(timeline: Timeline): string {
  const plotWidth = CHART_WIDTH - LABEL_WIDTH - 10;
  const height = timeline.series.length * ROW_HEIGHT + AXIS_HEIGHT;
  const spanMs = timeline.buckets * timeline.bucketMs;
  const x = (atMs: number) => LABEL_WIDTH + ((atMs - timeline.startMs) / spanMs) * plotWidth;
  const barWidth = Math.max(1, plotWidth / timeline.buckets - 0.5);
  const parts: string[] = [];

  for (const window of timeline.windows) {
    const left = x(window.startMs);
    const width = Math.max(1, x(Math.min(window.endMs, timeline.startMs + spanMs)) - left);
    parts.push(
      `<rect x="${left.toFixed(1)}" y="0" width="${width.toFixed(1)}" height="${height - AXIS_HEIGHT}" fill="#9d755d" fill-opacity="0.12"><title>outage ${escapeHtml(window.name)}: ${new Date(window.startMs).toISOString()} – ${new Date(window.endMs).toISOString()}</title></rect>`,
      `<text x="${(left + 3).toFixed(1)}" y="11">${escapeHtml(window.name)}</text>`,
    );
  }
  timeline.series.forEach((series, row) => {
    const top = row * ROW_HEIGHT + 14;
    const barArea = ROW_HEIGHT - 20;
    const max = Math.max(1, ...series.counts);
    parts.push(`<text x="0" y="${top + barArea / 2}">${escapeHtml(series.label)}</text>`);
    parts.push(
      `<text x="0" y="${top + barArea / 2 + 14}" fill="#777">max ${max} per ${formatDuration(timeline.bucketMs)}</text>`,
    );
    parts.push(
      `<line x1="${LABEL_WIDTH}" x2="${CHART_WIDTH - 10}" y1="${top + barArea}" y2="${top + barArea}" stroke="#ccc"/>`,
    );
    series.counts.forEach((count, bucket) => {
      if (count === 0) {
        return;
      }
      const barHeight = Math.max(1, (count / max) * barArea);
      const left = x(timeline.startMs + bucket * timeline.bucketMs);
      parts.push(
        `<rect x="${left.toFixed(1)}" y="${(top + barArea - barHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${series.color}"><title>${count} at ${new Date(timeline.startMs + bucket * timeline.bucketMs).toISOString()}</title></rect>`,
      );
    });
  });
  for (const marker of timeline.markers) {
    const left = x(marker.atMs);
    parts.push(
      `<line x1="${left.toFixed(1)}" x2="${left.toFixed(1)}" y1="0" y2="${height - AXIS_HEIGHT}" stroke="#6f42c1" stroke-dasharray="3,3"><title>${escapeHtml(marker.label)} at ${new Date(marker.atMs).toISOString()}</title></line>`,
    );
  }
  const ticks = 8;
  for (let tick = 0; tick <= ticks; tick++) {
    const atMs = timeline.startMs + (spanMs * tick) / ticks;
    const left = x(atMs);
    const label = new Date(atMs).toISOString().slice(11, 16);
    parts.push(
      `<text x="${left.toFixed(1)}" y="${height - 8}" text-anchor="middle">${label}</text>`,
    );
  }
  const legend = `<p class="legend">${timeline.series
    .map(
      (series) =>
        `<span><i style="background:${series.color}"></i>${escapeHtml(series.label)}</span>`,
    )
    .join(
      "",
    )}<span><i style="background:#9d755d;opacity:.3"></i>Injected outage</span><span><i style="background:#6f42c1"></i>Signature probes</span> (simulated time, UTC)</p>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-label="Timeline of the run">${parts.join("")}</svg>\n${legend}`;
}
