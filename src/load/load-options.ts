import { parseDurationMs } from "../clock/duration.js";
import { ElidoSimError } from "../errors.js";

/** Options of one load run, as the caller gives them. Units are in the names or comments. */
export interface LoadOptionsInput {
  /** URL of the receiver's webhook endpoint, http or https. */
  readonly target: string;
  /** Signing secret of the endpoint, `whsec_` prefix included. */
  readonly secret: string;
  /** Requests per second in fixed-rate mode; undefined for maximum throughput. */
  readonly rate?: number | undefined;
  /** Concurrent keep-alive connections. Default: 10. */
  readonly connections?: number | undefined;
  /** Measured run time after the warmup: seconds, or a duration like `30s` or `2m`. */
  readonly duration?: number | string | undefined;
  /** Total requests to send, warmup included. */
  readonly amount?: number | undefined;
  /** Time at the start excluded from the statistics: seconds or a duration. Default: 0. */
  readonly warmup?: number | string | undefined;
  /** Longest allowed run, warmup included: seconds or a duration. Default: 600 s. */
  readonly maxDuration?: number | string | undefined;
  /** Seconds to wait for a response before a request counts as timed out. Default: 10. */
  readonly timeoutSeconds?: number | undefined;
  /** Share of requests, 0 to 1, that resend an earlier delivery. Default: 0. */
  readonly duplicates?: number | undefined;
  /** Share of requests, 0 to 1, signed with a wrong secret. Default: 0. */
  readonly invalid?: number | undefined;
  /** Error share over a sliding second above which the run aborts, 0 to 1. Default: 0.5. */
  readonly maxErrorRate?: number | undefined;
  /** Measure the generator's ceiling against a trivial responder first. Default: on without `rate`. */
  readonly calibrate?: boolean | undefined;
  /** Length of the calibration: seconds or a duration, at most 10 s. Default: 2 s. */
  readonly calibrateDuration?: number | string | undefined;
  /** Seed of the click pools and of the choice of duplicates and invalid requests. Default: 1. */
  readonly seed?: number | undefined;
}

/** Validated, frozen options with defaults applied; times in milliseconds. */
export interface LoadOptions {
  readonly target: URL;
  readonly secret: string;
  readonly rate: number | undefined;
  readonly connections: number;
  /** Measured time after the warmup; undefined when only `amount` bounds the run. */
  readonly durationMs: number | undefined;
  readonly amount: number | undefined;
  readonly warmupMs: number;
  readonly maxDurationMs: number;
  readonly timeoutSeconds: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly maxErrorRate: number;
  readonly calibrate: boolean;
  readonly calibrateDurationMs: number;
  readonly seed: number;
}

export const LOAD_DEFAULTS = Object.freeze({
  connections: 10,
  warmupMs: 0,
  maxDurationMs: 600_000,
  timeoutSeconds: 10,
  duplicates: 0,
  invalid: 0,
  maxErrorRate: 0.5,
  calibrateDurationMs: 2_000,
  seed: 1,
});

/** Upper bound of `--calibrate-duration`: calibration is a short check, not a second run. */
const MAX_CALIBRATE_MS = 10_000;
/** Upper bound of `--connections`; each is one socket and one in-flight request. */
const MAX_CONNECTIONS = 10_000;

/**
 * Validates the options once, applies defaults and freezes the result. Every problem is listed
 * in one usage error, so a user fixes the command line in one go.
 */
export function resolveLoadOptions(input: LoadOptionsInput): LoadOptions {
  const problems: string[] = [];

  const target = parseTarget(input.target, problems);
  if (typeof input.secret !== "string" || input.secret === "") {
    problems.push("Missing --secret: pass the endpoint's signing secret, e.g. whsec_...");
  }

  const rate = input.rate;
  if (rate !== undefined && !(Number.isFinite(rate) && rate >= 1 && Number.isInteger(rate))) {
    problems.push(`Invalid --rate ${rate}: expected a whole number of requests per second >= 1.`);
  }
  const connections = input.connections ?? LOAD_DEFAULTS.connections;
  if (!Number.isInteger(connections) || connections < 1 || connections > MAX_CONNECTIONS) {
    problems.push(
      `Invalid --connections ${connections}: expected a whole number from 1 to ${MAX_CONNECTIONS}.`,
    );
  }

  const durationMs = parseSeconds("--duration", input.duration, problems);
  const amount = input.amount;
  if (amount !== undefined && !(Number.isSafeInteger(amount) && amount >= 1)) {
    problems.push(`Invalid --amount ${amount}: expected a whole number of requests >= 1.`);
  }
  if (durationMs === undefined && amount === undefined && input.duration === undefined) {
    problems.push(
      "Missing bound: pass --duration (e.g. 10s) or --amount (e.g. 5000) so the run stops by itself.",
    );
  }
  if (durationMs !== undefined && durationMs <= 0) {
    problems.push(`Invalid --duration ${input.duration}: expected more than 0 seconds.`);
  }
  const warmupMs = parseSeconds("--warmup", input.warmup, problems) ?? LOAD_DEFAULTS.warmupMs;
  const maxDurationMs =
    parseSeconds("--max-duration", input.maxDuration, problems) ?? LOAD_DEFAULTS.maxDurationMs;
  if (durationMs !== undefined && durationMs + warmupMs > maxDurationMs) {
    problems.push(
      `Invalid --duration ${input.duration}: with --warmup the run lasts ${(durationMs + warmupMs) / 1000} s, ` +
        `more than --max-duration ${maxDurationMs / 1000} s. Shorten it or raise --max-duration.`,
    );
  }
  if (amount !== undefined && amount < Math.min(connections, rate ?? connections)) {
    problems.push(
      `Invalid --amount ${amount}: expected at least one request per connection (${Math.min(connections, rate ?? connections)}).`,
    );
  }

  const timeoutSeconds = input.timeoutSeconds ?? LOAD_DEFAULTS.timeoutSeconds;
  if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 600)) {
    problems.push(`Invalid --timeout ${timeoutSeconds}: expected seconds > 0 and <= 600.`);
  }

  const duplicates = parseShare(
    "--duplicates",
    input.duplicates,
    LOAD_DEFAULTS.duplicates,
    problems,
  );
  const invalid = parseShare("--invalid", input.invalid, LOAD_DEFAULTS.invalid, problems);
  if (duplicates + invalid >= 1) {
    problems.push(
      `Invalid --duplicates ${duplicates} with --invalid ${invalid}: their sum must be below 1, so new valid deliveries are sent too.`,
    );
  }
  const maxErrorRate = parseShare(
    "--max-error-rate",
    input.maxErrorRate,
    LOAD_DEFAULTS.maxErrorRate,
    problems,
  );

  const calibrateDurationMs =
    parseSeconds("--calibrate-duration", input.calibrateDuration, problems) ??
    LOAD_DEFAULTS.calibrateDurationMs;
  if (calibrateDurationMs <= 0 || calibrateDurationMs > MAX_CALIBRATE_MS) {
    problems.push(
      `Invalid --calibrate-duration ${input.calibrateDuration}: expected more than 0 and at most ${MAX_CALIBRATE_MS / 1000} seconds.`,
    );
  }

  const seed = input.seed ?? LOAD_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    problems.push(`Invalid --seed ${seed}: expected an integer from 0 to 4294967295.`);
  }

  if (problems.length > 0 || target === undefined) {
    throw new ElidoSimError("ELIDO_SIM_ERR_USAGE", problems.join("\n"));
  }
  return Object.freeze({
    target,
    secret: input.secret,
    rate,
    connections,
    durationMs,
    amount,
    warmupMs,
    maxDurationMs,
    timeoutSeconds,
    duplicates,
    invalid,
    maxErrorRate,
    calibrate: input.calibrate ?? rate === undefined,
    calibrateDurationMs,
    seed,
  });
}

function parseTarget(text: string | undefined, problems: string[]): URL | undefined {
  if (typeof text !== "string" || text === "") {
    problems.push(
      "Missing --target: pass the receiver's webhook URL, e.g. http://127.0.0.1:8787/webhook.",
    );
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`Invalid --target "${text}": expected an absolute http:// or https:// URL.`);
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    problems.push(`Invalid --target "${text}": expected http:// or https://, got ${url.protocol}.`);
    return undefined;
  }
  return url;
}

/**
 * Parses a time given in seconds (a bare number) or as a duration string (`500ms`, `30s`, `2m`).
 * Returns milliseconds, or undefined when the option is absent or invalid.
 */
function parseSeconds(
  name: string,
  value: number | string | undefined,
  problems: string[],
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = String(value).trim();
  const ms = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) * 1_000 : parseDurationMs(text);
  if (ms === undefined || !Number.isFinite(ms)) {
    problems.push(
      `Invalid ${name} "${value}": expected seconds (e.g. 10) or a duration like "500ms", "30s" or "2m".`,
    );
    return undefined;
  }
  return ms;
}

function parseShare(
  name: string,
  value: number | undefined,
  fallback: number,
  problems: string[],
): number {
  if (value === undefined) {
    return fallback;
  }
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    problems.push(`Invalid ${name} ${value}: expected a share from 0 to 1, e.g. 0.05.`);
    return fallback;
  }
  return value;
}
