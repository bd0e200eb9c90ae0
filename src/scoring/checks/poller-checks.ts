import type { RequestLogEntry } from "../../api/request-log.js";
import { formatDuration } from "../../clock/duration.js";
import { type CheckResult, capEvidence, formatSimTime } from "../check-result.js";
import { analyticsRequests, type PollerScoringInput, servedPages } from "../poller-input.js";

/**
 * Coverage: the share of human clicks that were ever served to the poller, judged on the wire
 * from the request log. A click that became visible after the poller had read past its
 * `occurred_at`, and that was never read again, is a late arrival the poller skipped.
 */
export function checkPollerCoverage(input: PollerScoringInput): CheckResult {
  const base = { id: "poller-coverage", title: "Every human click is served to the poller" };
  const humans = input.groundTruth
    .humans()
    .filter((recorded) => recorded.visibleAtMs <= input.endMs);
  if (humans.length === 0) {
    return {
      ...base,
      status: "not_observed",
      summary: "no human click was visible during the run",
      evidence: [],
    };
  }
  const pages = servedPages(input.requests);
  if (analyticsRequests(input.requests).length === 0) {
    return {
      ...base,
      status: "fail",
      summary: "the poller sent no request to the analytics API",
      evidence: [],
    };
  }
  const served = new Set<string>();
  for (const page of pages) {
    for (const clickId of page.clickIds ?? []) {
      served.add(clickId);
    }
  }
  const missed = humans.filter((recorded) => !served.has(recorded.click.click_id));
  const coverage = (humans.length - missed.length) / humans.length;
  const late = missed.filter(
    (recorded) => recorded.visibleAtMs - recorded.occurredAtUs / 1_000 > 60_000,
  );
  const evidence = missed.map(
    (recorded) =>
      `click ${recorded.click.click_id}: occurred ${recorded.click.occurred_at}, visible ${formatSimTime(recorded.visibleAtMs)}, never served`,
  );
  const status = coverage >= input.expectations.minCoverage ? "pass" : "fail";
  return {
    ...base,
    status,
    summary:
      `${humans.length - missed.length}/${humans.length} human clicks served (${(coverage * 100).toFixed(coverage === 1 ? 0 : 2)}%, minimum ${(input.expectations.minCoverage * 100).toFixed(0)}%)` +
      (late.length > 0
        ? `; ${late.length} of the misses became visible more than a minute late`
        : ""),
    evidence: capEvidence(evidence),
    ...(status === "fail"
      ? {
          hint:
            late.length > 0
              ? "Clicks become visible late (ingestion lag): re-read an overlap window behind your watermark on every poll, and deduplicate by click_id."
              : "Clicks were never served: poll the whole window from your last position, follow every next_cursor, and keep polling until the end.",
        }
      : {}),
    data: {
      human_clicks: humans.length,
      served: humans.length - missed.length,
      coverage,
      late_misses: late.length,
    },
  };
}

/**
 * Checks that every `next_cursor` the API handed out was requested afterwards. A cursor counts
 * as abandoned only when the poller sent other requests after receiving it: a page served as
 * the run ended may simply not have been followed yet.
 */
export function checkCursorsFollowed(input: PollerScoringInput): CheckResult {
  const base = { id: "cursors-followed", title: "Every next_cursor is followed" };
  const requests = analyticsRequests(input.requests);
  const pages = servedPages(input.requests);
  if (pages.length === 0) {
    return {
      ...base,
      status: "not_observed",
      summary: "no page of clicks/recent was served",
      evidence: [],
    };
  }
  const requested = new Set<string>();
  for (const entry of requests) {
    if (entry.cursor !== undefined) {
      requested.add(entry.cursor);
    }
  }
  const lastRequestMs = requests.at(-1)?.atMs ?? 0;
  const handedOut = new Map<string, RequestLogEntry>();
  for (const page of pages) {
    if (typeof page.nextCursor === "string" && !handedOut.has(page.nextCursor)) {
      handedOut.set(page.nextCursor, page);
    }
  }
  const unanswered = [...handedOut.entries()].filter(([cursor]) => !requested.has(cursor));
  const abandoned = unanswered.filter(([, page]) => page.atMs < lastRequestMs);
  const pending = unanswered.length - abandoned.length;
  const status = abandoned.length === 0 ? "pass" : "fail";
  return {
    ...base,
    status,
    summary:
      `${handedOut.size - unanswered.length}/${handedOut.size} cursors followed; ${abandoned.length} abandoned` +
      (pending > 0 ? `; ${pending} handed out by the last request of the run` : ""),
    evidence: capEvidence(
      abandoned.map(
        ([, page]) =>
          `${page.requestId} at ${formatSimTime(page.atMs)} returned next_cursor after ${page.clickIds?.length ?? 0} clicks; later requests never followed it`,
      ),
    ),
    ...(status === "fail"
      ? {
          hint: "A window with more clicks than one page continues only through next_cursor: request it until next_cursor is null.",
        }
      : {}),
    data: { handed_out: handedOut.size, abandoned: abandoned.length, pending_at_end: pending },
  };
}

/** Requests sent before a 429's (or 503's) `Retry-After` had elapsed. */
export function checkRetryAfterHonoured(input: PollerScoringInput): CheckResult {
  const base = { id: "retry-after-honoured", title: "Retry-After is honoured after a 429 or 503" };
  const requests = analyticsRequests(input.requests);
  const limited = requests.filter(
    (entry) =>
      (entry.statusCode === 429 || entry.statusCode === 503) &&
      entry.retryAfterSeconds !== undefined,
  );
  if (limited.length === 0) {
    return {
      ...base,
      status: "not_observed",
      summary: "the poller never got a 429 or 503 with Retry-After",
      evidence: [],
    };
  }
  const violations: string[] = [];
  // A request inside several overlapping Retry-After windows is one early request, not several.
  const earlyIds = new Set<string>();
  for (const answer of limited) {
    const until = answer.atMs + (answer.retryAfterSeconds ?? 0) * 1_000;
    const early = requests.filter((entry) => entry.atMs > answer.atMs && entry.atMs < until);
    for (const entry of early) {
      earlyIds.add(entry.requestId);
    }
    if (early.length > 0) {
      const first = early[0] as RequestLogEntry;
      violations.push(
        `${answer.requestId} at ${formatSimTime(answer.atMs)} said Retry-After ${answer.retryAfterSeconds} s; ${early.length} requests followed within it, the first after ${formatDuration(first.atMs - answer.atMs)}`,
      );
    }
  }
  const status = violations.length === 0 ? "pass" : "fail";
  return {
    ...base,
    status,
    summary: `${limited.length} answers with Retry-After; ${earlyIds.size} requests sent before one elapsed`,
    evidence: capEvidence(violations),
    ...(status === "fail"
      ? {
          hint: "Wait the Retry-After seconds of a 429 or 503 before the next request, in simulated time (read X-Sim-Now), and retry the same request.",
        }
      : {}),
    data: { limited_answers: limited.length, early_requests: earlyIds.size },
  };
}

/** Requests per new click served, and the share of empty pages. */
export function checkPollerEfficiency(input: PollerScoringInput): CheckResult {
  const base = { id: "poller-efficiency", title: "The poller does not waste requests" };
  const requests = analyticsRequests(input.requests);
  if (requests.length === 0) {
    return { ...base, status: "not_observed", summary: "the poller sent no request", evidence: [] };
  }
  const pages = servedPages(input.requests);
  const served = new Set<string>();
  let empty = 0;
  for (const page of pages) {
    const ids = page.clickIds ?? [];
    if (ids.length === 0) {
      empty++;
    }
    for (const clickId of ids) {
      served.add(clickId);
    }
  }
  const perClick = requests.length / Math.max(1, served.size);
  const emptyShare = pages.length === 0 ? 0 : empty / pages.length;
  const max = input.expectations.maxRequestsPerClick;
  const status = perClick <= max ? "pass" : "fail";
  return {
    ...base,
    status,
    summary: `${requests.length} requests for ${served.size} distinct clicks (${perClick.toFixed(2)} per click, maximum ${max}); ${(emptyShare * 100).toFixed(0)}% of pages empty`,
    evidence: [],
    ...(status === "fail"
      ? {
          hint: "Poll less often, request up to 1000 clicks per page, and keep the overlap window no longer than the ingestion lag needs.",
        }
      : {}),
    data: {
      requests: requests.length,
      distinct_clicks: served.size,
      requests_per_click: perClick,
      empty_share: emptyShare,
    },
  };
}

/** Time from a click's ingestion to the first response that served it, in simulated time. */
export function checkPollerLag(input: PollerScoringInput): CheckResult {
  const base = { id: "poller-lag", title: "Clicks are served soon after ingestion" };
  const firstServed = new Map<string, number>();
  for (const page of servedPages(input.requests)) {
    for (const clickId of page.clickIds ?? []) {
      if (!firstServed.has(clickId)) {
        firstServed.set(clickId, page.atMs);
      }
    }
  }
  const lags: number[] = [];
  for (const [clickId, servedAtMs] of firstServed) {
    const recorded = input.groundTruth.get(clickId);
    if (recorded !== undefined && !recorded.bot) {
      lags.push(Math.max(0, servedAtMs - recorded.visibleAtMs));
    }
  }
  if (lags.length === 0) {
    return { ...base, status: "not_observed", summary: "no human click was served", evidence: [] };
  }
  lags.sort((a, b) => a - b);
  const percentile = (share: number) =>
    lags[Math.min(lags.length - 1, Math.ceil(share * lags.length) - 1)] as number;
  const p50 = percentile(0.5);
  const p99 = percentile(0.99);
  const max = lags.at(-1) as number;
  const limit = input.expectations.maxPollerLagP99Ms;
  const status = p99 <= limit ? "pass" : "fail";
  return {
    ...base,
    status,
    summary: `lag from ingestion to first serving: p50 ${formatDuration(p50)}, p99 ${formatDuration(p99)}, max ${formatDuration(max)} (p99 limit ${formatDuration(limit)})`,
    evidence: [],
    ...(status === "fail"
      ? {
          hint: "Poll more often, or catch up faster after an outage by following cursors without pausing. The run's clock is ELIDO_SIM_SPEED times faster than the wall clock: divide sleep intervals by it.",
        }
      : {}),
    data: { p50_ms: p50, p99_ms: p99, max_ms: max, limit_ms: limit },
  };
}

/** Checks that the poller process kept running until the end of the run. */
export function checkPollerSurvival(input: PollerScoringInput): CheckResult {
  const base = { id: "poller-survival", title: "The poller survives errors, outages and 429s" };
  if (input.exit === undefined) {
    return {
      ...base,
      status: "pass",
      summary: "the poller ran until the end of the run",
      evidence: [],
    };
  }
  const exit = input.exit;
  const before = analyticsRequests(input.requests).filter((entry) => entry.atMs <= exit.atMs);
  const last = before.at(-1);
  const how = exit.signal === null ? `with code ${exit.code}` : `on signal ${exit.signal}`;
  return {
    ...base,
    status: "fail",
    summary: `the poller exited ${how} at ${formatSimTime(exit.atMs)}`,
    evidence:
      last === undefined
        ? ["it exited before sending any request"]
        : [
            `its last response before exiting: ${last.requestId} ${last.method} ${last.path} at ${formatSimTime(last.atMs)}: ${last.statusCode}`,
          ],
    hint: "Treat 429, 5xx, timeouts and refused connections as temporary: log them, back off, and keep polling.",
    data: { code: exit.code, signal: exit.signal, last_status: last?.statusCode ?? null },
  };
}
