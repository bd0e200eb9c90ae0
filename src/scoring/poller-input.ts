import type { RequestLogEntry } from "../api/request-log.js";
import type { GroundTruth } from "../model/ground-truth.js";
import type { Observation } from "./observation.js";

/** Exit of a process under test during the run, with its simulated time. */
export interface ProcessExitRecord {
  readonly code: number | null;
  readonly signal: string | null;
  /** Simulated epoch milliseconds at which the exit was seen. */
  readonly atMs: number;
}

export interface PollerExpectations {
  /** Minimum share, 0 to 1, of human clicks that must have been served to the poller. Default: 1. */
  readonly minCoverage: number;
  /** Maximum 99th percentile, in simulated milliseconds, from ingestion to first serving. */
  readonly maxPollerLagP99Ms: number;
  /** Maximum API requests per new click served. */
  readonly maxRequestsPerClick: number;
}

/** Everything the poller checks judge: the request log on the wire and what the poller recorded. */
export interface PollerScoringInput {
  readonly groundTruth: GroundTruth;
  /** Every request to the fake API during the run, in arrival order. */
  readonly requests: readonly RequestLogEntry[];
  /** Simulated epoch milliseconds at which the run ended. */
  readonly endMs: number;
  readonly observation: Observation | undefined;
  readonly observationError?: string;
  /** Set when the poller process exited before the end of the run. */
  readonly exit?: ProcessExitRecord;
  readonly expectations: PollerExpectations;
}

/** The path suffix of the cursor-paginated click list. */
export const CLICKS_RECENT_SUFFIX = "/clicks/recent";

/** Returns the `clicks/recent` requests whose response was a 2xx. */
export function servedPages(requests: readonly RequestLogEntry[]): RequestLogEntry[] {
  return requests.filter(
    (entry) =>
      entry.path.endsWith(CLICKS_RECENT_SUFFIX) &&
      entry.statusCode >= 200 &&
      entry.statusCode < 300,
  );
}

/** Returns the requests to the analytics API, whatever their status. */
export function analyticsRequests(requests: readonly RequestLogEntry[]): RequestLogEntry[] {
  return requests.filter((entry) => entry.path.startsWith("/v1/analytics/"));
}
