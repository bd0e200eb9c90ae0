import { parseDurationMs } from "../clock/duration.js";
import type { ApiFault } from "../faults/api-fault-plan.js";
import type { DuplicateWindow, OutageWindow } from "../faults/delivery-fault-plan.js";
import { PLANS, type Plan } from "../model/workspace.js";
import type { TrafficPattern } from "../traffic/traffic-pattern.js";
import {
  DEFAULT_DELIVERY_PROFILE,
  type DeliveryProfileName,
  isDeliveryProfileName,
  resolveDeliveryProfile,
} from "../webhooks/profiles.js";
import type { RetryPolicy } from "../webhooks/retry-policy.js";
import { SimulatorOptionsError } from "./simulator-errors.js";

/** A span of simulated time: milliseconds as a number, or a string such as `500ms`, `30s`, `21m`, `1h30m`. */
export type Duration = number | string;

/** A point in simulated time: epoch milliseconds, a `Date`, or an RFC 3339 string. */
export type TimeInput = number | string | Date;

export interface TrafficOptions {
  /** Mean clicks per simulated second, bots included. Default: 0.1. */
  readonly ratePerSecond?: number;
  /** Simulated time from the start during which clicks occur. Default: `1h`. */
  readonly duration?: Duration;
  /** How the rate varies over time. Default: `{ kind: "steady" }`. */
  readonly pattern?: TrafficPattern;
  /** Share of clicks, 0 to 1, from bots: filtered at the edge, seen only by the ground truth. Default: 0. */
  readonly botShare?: number;
  /** Zipf exponent of link popularity; 0 spreads clicks evenly. Default: 0. */
  readonly linkSkew?: number;
  /** Share of clicks whose UTM campaign needs Go's JSON escaping. Default: 0.05. */
  readonly trickyShare?: number;
}

export interface WebhookOptions {
  /** Retry schedule, attempt timeout and endpoint pausing as one named variant. Default: `blog`. */
  readonly profile?: DeliveryProfileName;
  /** Delays between failed attempts, overriding the profile's. Default: the profile's (`blog`: 1m, 5m, 15m). */
  readonly retryDelays?: readonly Duration[];
  /** Attempts in total, overriding the profile. Default: one more than the retry delays. */
  readonly maxAttempts?: number;
  /** Wall-clock time one attempt may take, overriding the profile. Default: `30s`. */
  readonly attemptTimeout?: Duration;
  /** Attempts in flight at once per endpoint. Default: 32. */
  readonly maxConcurrentPerEndpoint?: number;
  /** Signing secret of receivers added without their own. Default: a `whsec_` secret derived from the seed. */
  readonly secret?: string;
}

/** A window in simulated time, relative to the simulator's start. */
export interface RelativeWindow {
  /** Names the window in evidence and in the timeline. Default: the kind and its index, e.g. `receiver-outage-1`. */
  readonly name?: string;
  /** Simulated time from the simulator's start to the window's start. */
  readonly start: Duration;
  readonly duration: Duration;
}

export interface DuplicateWindowOptions extends RelativeWindow {
  /** Share of attempts, 0 to 1, sent twice with the same delivery id. Default: 1. */
  readonly share?: number;
  /** True: both sends are in flight at once. Default: false. */
  readonly concurrent?: boolean;
  /** Simulated time between an attempt and its sequential duplicate. Default: `10s`. */
  readonly delay?: Duration;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An API fault (`ApiFault`) with its window relative to the simulator's start. */
export type ApiFaultOptions = DistributiveOmit<ApiFault, "startMs" | "endMs" | "name"> &
  RelativeWindow;

export interface FaultOptions {
  /** Windows in which every attempt to a receiver fails as unreachable. Default: none. */
  readonly receiverOutages?: readonly RelativeWindow[];
  /** Share of successful attempts, 0 to 1, whose 2xx is lost so the delivery arrives again. Default: 0. */
  readonly lostResponseShare?: number;
  /** Windows in which attempts are sent twice with the same delivery id. Default: none. */
  readonly duplicates?: readonly DuplicateWindowOptions[];
  /** Faults of the analytics API: 429s, 5xx, outages, latency, ingestion lag. Default: none. */
  readonly apiFaults?: readonly ApiFaultOptions[];
}

export interface ListenOptions {
  /** Loopback address the fake API binds. Default: `127.0.0.1`. */
  readonly host?: "127.0.0.1" | "::1" | "localhost";
  /** Default: 0, a free port. */
  readonly port?: number;
}

export interface ExpectationOptions {
  /** Minimum share, 0 to 1, of attempts reaching the receiver that must get a 2xx response. Default: 1. */
  readonly minAcceptedShare?: number;
  /** Minimum share, 0 to 1, of human clicks that must have been served to the poller. Default: 1. */
  readonly minCoverage?: number;
  /** Maximum 99th percentile from ingestion to the poller's first read of a click. Default: `10m`. */
  readonly maxPollerLagP99?: Duration;
  /** Maximum analytics requests per distinct click served to the poller. Default: 1. */
  readonly maxRequestsPerClick?: number;
}

export interface SimulatorOptions {
  /** Fixes every random choice: links, clicks, ids, secrets, fault draws. Default: 1. */
  readonly seed?: number;
  /** Simulated start time. Default: `2026-01-01T00:00:00Z`, so runs do not depend on the day. */
  readonly start?: TimeInput;
  /** Default: 4123. */
  readonly workspaceId?: number;
  /** Sets the rate limits of the analytics API. Default: `pro`. */
  readonly plan?: Plan;
  /** Number of links in the workspace. Default: 5. */
  readonly links?: number;
  /** Click traffic from the start; `false` for none (add it later with `addTraffic`). Default: 0.1 clicks/s for 1h. */
  readonly traffic?: TrafficOptions | false;
  /** 99th percentile of the delay until a click becomes visible and its webhook is published. Default: `5s`. */
  readonly ingestionLagP99?: Duration;
  readonly webhooks?: WebhookOptions;
  readonly faults?: FaultOptions;
  /** Times from the start at which forged deliveries probe every registered receiver. Default: `["1m"]`. */
  readonly probes?: readonly Duration[];
  /** Serve the fake API over HTTP on loopback, as pollers need; `false` for webhooks only. Default: `true`, 127.0.0.1 port 0. */
  readonly listen?: boolean | ListenOptions;
  /** Events one `advance` may fire before it stops with `SchedulerLoopLimitError`. Default: 10 million. */
  readonly maxEventsPerAdvance?: number;
  /** pino level of the fake API's log, written to stdout. Default: `silent`. */
  readonly logLevel?: string;
  /** Thresholds of the checks `score` runs. */
  readonly expectations?: ExpectationOptions;
}

/** Options after validation, with defaults applied and times in epoch or relative milliseconds. */
export interface ResolvedSimulatorOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly workspaceId: number;
  readonly plan: Plan;
  readonly links: number;
  readonly traffic:
    | {
        readonly ratePerSecond: number;
        readonly durationMs: number;
        readonly pattern: TrafficPattern | undefined;
        readonly botShare: number;
        readonly linkSkew: number;
        readonly trickyShare: number;
      }
    | undefined;
  readonly ingestionLagP99Ms: number;
  readonly retryPolicy: RetryPolicy;
  readonly attemptTimeoutMs: number;
  readonly pauseAfterConsecutiveFailures: number | undefined;
  readonly maxConcurrentPerEndpoint: number;
  readonly secret: string | undefined;
  readonly outages: readonly OutageWindow[];
  readonly lostResponseShare: number;
  readonly duplicates: readonly DuplicateWindow[];
  readonly apiFaults: readonly ApiFault[];
  readonly probeOffsetsMs: readonly number[];
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly maxEventsPerAdvance: number;
  readonly logLevel: string;
  readonly expectations: {
    readonly minAcceptedShare: number;
    readonly minCoverage: number;
    readonly maxPollerLagP99Ms: number;
    readonly maxRequestsPerClick: number;
  };
}

export const DEFAULT_START = "2026-01-01T00:00:00Z";

/**
 * Validates `options` once and returns them frozen with defaults applied. Throws
 * `SimulatorOptionsError` listing every invalid option.
 */
export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const check = new OptionChecker();
  const startMs = check.time("start", options.start ?? DEFAULT_START);

  const traffic =
    options.traffic === false ? undefined : checkTraffic(check, "traffic", options.traffic ?? {});

  const webhooks = options.webhooks ?? {};
  const profileName = webhooks.profile ?? DEFAULT_DELIVERY_PROFILE;
  if (!isDeliveryProfileName(profileName)) {
    check.problem(
      `webhooks.profile: expected one of blog, retry-8, retry-5, max-attempts-3, got ${JSON.stringify(profileName)}`,
    );
  }
  const retryDelaysMs = webhooks.retryDelays?.map((delay, index) =>
    check.duration(`webhooks.retryDelays[${index}]`, delay),
  );
  const maxAttempts =
    webhooks.maxAttempts === undefined
      ? undefined
      : check.integer("webhooks.maxAttempts", webhooks.maxAttempts, { min: 1 });
  const attemptTimeoutMs =
    webhooks.attemptTimeout === undefined
      ? undefined
      : check.duration("webhooks.attemptTimeout", webhooks.attemptTimeout);
  const profile = resolveDeliveryProfile(
    isDeliveryProfileName(profileName) ? profileName : DEFAULT_DELIVERY_PROFILE,
    {
      ...(retryDelaysMs === undefined ? {} : { retryDelaysMs }),
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
    },
  );
  if (webhooks.secret !== undefined && webhooks.secret === "") {
    check.problem("webhooks.secret: expected a non-empty string, got an empty one");
  }

  const faults = options.faults ?? {};
  const outages = (faults.receiverOutages ?? []).map((window, index) =>
    check.window(
      `faults.receiverOutages[${index}]`,
      window,
      startMs,
      `receiver-outage-${index + 1}`,
    ),
  );
  const duplicates = (faults.duplicates ?? []).map((window, index): DuplicateWindow => {
    const path = `faults.duplicates[${index}]`;
    return {
      ...check.window(path, window, startMs, `duplicates-${index + 1}`),
      share: check.share(`${path}.share`, window.share, 1),
      concurrent: window.concurrent ?? false,
      delayMs: check.duration(`${path}.delay`, window.delay ?? "10s"),
    };
  });
  const apiFaults = (faults.apiFaults ?? []).map((fault, index): ApiFault => {
    const { start: _start, duration: _duration, name: _name, ...rest } = fault;
    const window = check.window(
      `faults.apiFaults[${index}]`,
      fault,
      startMs,
      `${fault.kind}-${index + 1}`,
    );
    return { ...rest, ...window } as ApiFault;
  });

  const listen =
    options.listen === false
      ? undefined
      : {
          host: (options.listen === true ? undefined : options.listen?.host) ?? "127.0.0.1",
          port: check.integer(
            "listen.port",
            (options.listen === true ? undefined : options.listen?.port) ?? 0,
            { min: 0, max: 65_535 },
          ),
        };
  if (listen !== undefined && !["127.0.0.1", "::1", "localhost"].includes(listen.host)) {
    check.problem(
      `listen.host: expected a loopback address (127.0.0.1, ::1 or localhost), got ${JSON.stringify(listen.host)}`,
    );
  }

  const plan = options.plan ?? "pro";
  if (!PLANS.includes(plan)) {
    check.problem(`plan: expected one of ${PLANS.join(", ")}, got ${JSON.stringify(plan)}`);
  }
  const expectations = options.expectations ?? {};
  const resolved: ResolvedSimulatorOptions = {
    seed: check.integer("seed", options.seed ?? 1, { min: 0 }),
    startMs,
    workspaceId: check.integer("workspaceId", options.workspaceId ?? 4123, { min: 1 }),
    plan,
    links: check.integer("links", options.links ?? 5, { min: 1, max: 10_000 }),
    traffic,
    ingestionLagP99Ms: check.duration("ingestionLagP99", options.ingestionLagP99 ?? "5s"),
    retryPolicy: profile.retryPolicy,
    attemptTimeoutMs: profile.attemptTimeoutMs,
    pauseAfterConsecutiveFailures: profile.pauseAfterConsecutiveFailures,
    maxConcurrentPerEndpoint: check.integer(
      "webhooks.maxConcurrentPerEndpoint",
      webhooks.maxConcurrentPerEndpoint ?? 32,
      { min: 1 },
    ),
    secret: webhooks.secret,
    outages,
    lostResponseShare: check.share("faults.lostResponseShare", faults.lostResponseShare, 0),
    duplicates,
    apiFaults,
    probeOffsetsMs: (options.probes ?? ["1m"]).map((offset, index) =>
      check.duration(`probes[${index}]`, offset),
    ),
    listen,
    maxEventsPerAdvance: check.integer(
      "maxEventsPerAdvance",
      options.maxEventsPerAdvance ?? 10_000_000,
      { min: 1 },
    ),
    logLevel: options.logLevel ?? "silent",
    expectations: {
      minAcceptedShare: check.share(
        "expectations.minAcceptedShare",
        expectations.minAcceptedShare,
        1,
      ),
      minCoverage: check.share("expectations.minCoverage", expectations.minCoverage, 1),
      maxPollerLagP99Ms: check.duration(
        "expectations.maxPollerLagP99",
        expectations.maxPollerLagP99 ?? "10m",
      ),
      maxRequestsPerClick: check.number(
        "expectations.maxRequestsPerClick",
        expectations.maxRequestsPerClick,
        { fallback: 1, min: 0 },
      ),
    },
  };
  check.throwIfInvalid();
  return deepFreeze(resolved);
}

export type ResolvedTraffic = NonNullable<ResolvedSimulatorOptions["traffic"]>;

/** Validates traffic options for `Simulator.addTraffic`; throws `SimulatorOptionsError`. */
export function resolveTrafficOptions(traffic: TrafficOptions): ResolvedTraffic {
  const check = new OptionChecker();
  const resolved = checkTraffic(check, "traffic", traffic);
  check.throwIfInvalid();
  return deepFreeze(resolved);
}

function checkTraffic(
  check: OptionChecker,
  path: string,
  traffic: TrafficOptions,
): ResolvedTraffic {
  return {
    ratePerSecond: check.number(`${path}.ratePerSecond`, traffic.ratePerSecond, {
      fallback: 0.1,
      min: 0,
    }),
    durationMs: check.duration(`${path}.duration`, traffic.duration ?? "1h"),
    pattern: traffic.pattern,
    botShare: check.share(`${path}.botShare`, traffic.botShare, 0),
    linkSkew: check.number(`${path}.linkSkew`, traffic.linkSkew, { fallback: 0, min: 0 }),
    trickyShare: check.share(`${path}.trickyShare`, traffic.trickyShare, 0.05),
  };
}

/** Parses a `Duration` into milliseconds, or returns `undefined` when it is not one. */
export function durationToMs(duration: Duration): number | undefined {
  return parseDurationMs(duration);
}

/** Parses a `TimeInput` into epoch milliseconds, or returns `undefined` when it is not one. */
export function timeToMs(time: TimeInput): number | undefined {
  if (time instanceof Date) {
    const ms = time.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (typeof time === "number") {
    return Number.isFinite(time) ? time : undefined;
  }
  // Only full RFC 3339 timestamps with a zone: Date.parse would read "2026-01-01" as UTC
  // and "2026-01-01T00:00" as local time.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(time)) {
    return undefined;
  }
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Collects every problem of an options object before throwing once. */
class OptionChecker {
  readonly #problems: string[] = [];

  problem(text: string): void {
    this.#problems.push(text);
  }

  throwIfInvalid(): void {
    if (this.#problems.length > 0) {
      throw new SimulatorOptionsError(this.#problems);
    }
  }

  duration(path: string, value: Duration): number {
    const ms = durationToMs(value);
    if (ms === undefined) {
      this.problem(
        `${path}: expected milliseconds >= 0 or a duration such as "30s", "21m" or "1h30m", got ${JSON.stringify(value)}`,
      );
      return 0;
    }
    return ms;
  }

  time(path: string, value: TimeInput): number {
    const ms = timeToMs(value);
    if (ms === undefined) {
      this.problem(
        `${path}: expected epoch milliseconds, a Date or an RFC 3339 time such as "2026-01-01T00:00:00Z", got ${JSON.stringify(value)}`,
      );
      return 0;
    }
    return ms;
  }

  number(
    path: string,
    value: number | undefined,
    { fallback, min }: { fallback: number; min: number },
  ): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
      this.problem(`${path}: expected a finite number >= ${min}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  share(path: string, value: number | undefined, fallback: number): number {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
      this.problem(`${path}: expected a share from 0 to 1, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  }

  integer(path: string, value: number, { min, max }: { min: number; max?: number }): number {
    if (!Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
      const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
      this.problem(`${path}: expected an integer ${range}, got ${JSON.stringify(value)}`);
      return min;
    }
    return value;
  }

  window(
    path: string,
    window: RelativeWindow,
    startMs: number,
    fallbackName: string,
  ): OutageWindow {
    const offsetMs = this.duration(`${path}.start`, window.start);
    const durationMs = this.duration(`${path}.duration`, window.duration);
    if (durationMs === 0 && durationToMs(window.duration) !== undefined) {
      this.problem(
        `${path}.duration: expected a duration > 0, got ${JSON.stringify(window.duration)}`,
      );
    }
    return {
      name: window.name ?? fallbackName,
      startMs: startMs + offsetMs,
      endMs: startMs + offsetMs + durationMs,
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}
