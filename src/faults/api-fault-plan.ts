import type { Scheduler } from "../clock/scheduler.js";
import type { Random } from "../model/random.js";
import type { IngestionLagSpike } from "../traffic/ingestion-lag.js";
import type { DeliveryTimeline } from "../webhooks/delivery-timeline.js";

/** Route prefixes an API fault applies to unless it names its own. */
export const DEFAULT_FAULT_PATHS: readonly string[] = Object.freeze(["/v1/analytics/"]);

interface ApiFaultWindow {
  /** Unique within a plan; it names the fault in the request log and the timeline. */
  readonly name: string;
  /** Simulated epoch milliseconds, included. */
  readonly startMs: number;
  /** Simulated epoch milliseconds, excluded. */
  readonly endMs: number;
  /** Path prefixes the fault applies to, each starting with `/v1/`. Default: `DEFAULT_FAULT_PATHS`. */
  readonly paths?: readonly string[];
}

/**
 * Forced 429s. With `probability` 1 every request in the window gets one, with `Retry-After`
 * pointing at the end of the window. Below 1 each request is drawn from the seed, and
 * `Retry-After` is `retryAfterSeconds`.
 */
export interface RateLimitFault extends ApiFaultWindow {
  readonly kind: "rate_limit";
  /** Share of requests, 0 to 1, that get a 429. Default: 1. */
  readonly probability?: number;
  /** `Retry-After` of a drawn 429, whole seconds >= 1. Default: 1. */
  readonly retryAfterSeconds?: number;
}

/** 500, 502 or 503 responses with the error envelope; a 503 also carries `Retry-After`. */
export interface ServerErrorFault extends ApiFaultWindow {
  readonly kind: "server_error";
  readonly status: 500 | 502 | 503;
  /** Share of requests, 0 to 1, that fail. Default: 1. */
  readonly probability?: number;
}

/**
 * A full outage. `refuse` closes the listening socket for the window, so connections are
 * refused on every route, the control API and the edge included, and reopens it on the same
 * port at the end. `reset` keeps the listener and destroys the connection of each affected
 * request without an answer. `unavailable` answers 503 with `Retry-After` up to the window's end.
 */
export interface OutageFault extends ApiFaultWindow {
  readonly kind: "outage";
  readonly response: "refuse" | "reset" | "unavailable";
}

/** Holds each affected response back by `latencyMs` simulated milliseconds. */
export interface LatencyFault extends ApiFaultWindow {
  readonly kind: "latency";
  readonly latencyMs: number;
}

/** Replaces the ingestion lag of clicks that occur within the window by a slower distribution. */
export interface IngestionLagFault extends ApiFaultWindow {
  readonly kind: "ingestion_lag";
  /** 99th percentile of the lag during the window, simulated milliseconds. */
  readonly p99Ms: number;
}

export type ApiFault =
  | RateLimitFault
  | ServerErrorFault
  | OutageFault
  | LatencyFault
  | IngestionLagFault;

export type ApiFaultKind = ApiFault["kind"];

/** One edge of a fault window, as the run's timeline records it. */
export interface ApiFaultTimelineEntry {
  /** Simulated epoch milliseconds. */
  readonly atMs: number;
  readonly name: string;
  readonly kind: ApiFaultKind;
  readonly phase: "start" | "end";
}

/** Called at the start and end of every window; the server uses it to close and reopen its listener. */
export type ApiFaultListener = (fault: ApiFault, phase: "start" | "end") => unknown;

/** Receiver of `ingestion_lag` faults; `Simulation` implements it. */
export interface IngestionLagTarget {
  addIngestionLagSpike(spike: IngestionLagSpike): void;
}

export interface ApiFaultPlanOptions {
  readonly scheduler: Scheduler;
  /** Stream for drawn faults. */
  readonly random: Random;
  /** Receives `ingestion_lag` faults. */
  readonly ingestion?: IngestionLagTarget;
  /** The run's fault timeline, which reports show; window edges are recorded there too. */
  readonly timeline?: Pick<DeliveryTimeline, "record">;
}

/** Thrown by `ApiFaultPlan.add` for a fault that cannot be scheduled. */
export class InvalidApiFaultError extends Error {
  readonly code = "ELIDO_SIM_ERR_API_FAULT_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "InvalidApiFaultError";
  }
}

/**
 * The API faults of a run. Windows are looked up by simulated time, so a fault takes effect
 * even before its start task has run. The start and end tasks only write the timeline and call
 * the listeners. Drawn faults fork the seed per fault and request number, so a run that sends
 * the same requests gets the same faults.
 */
export class ApiFaultPlan {
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #faults: ApiFault[] = [];
  readonly #timeline: ApiFaultTimelineEntry[] = [];
  readonly #listeners: ApiFaultListener[] = [];
  readonly #drawCounts = new Map<string, number>();
  readonly #ingestion: IngestionLagTarget | undefined;
  readonly #runTimeline: Pick<DeliveryTimeline, "record"> | undefined;

  constructor(options: ApiFaultPlanOptions) {
    this.#scheduler = options.scheduler;
    this.#random = options.random;
    this.#ingestion = options.ingestion;
    this.#runTimeline = options.timeline;
  }

  /** Validates `fault` and schedules its window. Throws `InvalidApiFaultError` naming the problem. */
  add(fault: ApiFault): void {
    validateFault(fault, this.#faults);
    const frozen = Object.freeze({ ...fault });
    this.#faults.push(frozen);
    if (frozen.kind === "ingestion_lag") {
      this.#ingestion?.addIngestionLagSpike({
        startMs: frozen.startMs,
        endMs: frozen.endMs,
        p99Ms: frozen.p99Ms,
      });
    }
    this.#scheduler.at(frozen.startMs, () => this.#edge(frozen, "start"));
    this.#scheduler.at(frozen.endMs, () => this.#edge(frozen, "end"));
  }

  /** Registers a listener for window edges. */
  onEdge(listener: ApiFaultListener): void {
    this.#listeners.push(listener);
  }

  all(): readonly ApiFault[] {
    return this.#faults;
  }

  /** Window edges that have passed, in order. */
  timeline(): readonly ApiFaultTimelineEntry[] {
    return this.#timeline;
  }

  /** Returns the faults of `kind` whose window contains `atMs` and that apply to `path`. */
  active<K extends ApiFaultKind>(
    kind: K,
    path: string,
    atMs: number,
  ): Array<Extract<ApiFault, { kind: K }>> {
    return this.#faults.filter(
      (fault): fault is Extract<ApiFault, { kind: K }> =>
        fault.kind === kind &&
        atMs >= fault.startMs &&
        atMs < fault.endMs &&
        (fault.paths ?? DEFAULT_FAULT_PATHS).some((prefix) => path.startsWith(prefix)),
    );
  }

  /** Draws whether a fault with `probability` hits the next request in its window. */
  draw(fault: ApiFault & { readonly probability?: number }): boolean {
    const probability = fault.probability ?? 1;
    if (probability >= 1) {
      return true;
    }
    const count = (this.#drawCounts.get(fault.name) ?? 0) + 1;
    this.#drawCounts.set(fault.name, count);
    return this.#random.fork(`${fault.name}#${count}`).chance(probability);
  }

  async #edge(fault: ApiFault, phase: "start" | "end"): Promise<void> {
    const atMs = this.#scheduler.now();
    this.#timeline.push({ atMs, name: fault.name, kind: fault.kind, phase });
    this.#runTimeline?.record({
      atMs,
      kind: `api_${fault.kind}`,
      fault: fault.name,
      detail: `API fault window ${phase === "start" ? "opens" : "closes"}`,
    });
    for (const listener of this.#listeners) {
      await listener(fault, phase);
    }
  }
}

function validateFault(fault: ApiFault, existing: readonly ApiFault[]): void {
  const problems: string[] = [];
  if (fault.name === "") {
    problems.push("name: expected a non-empty string");
  } else if (existing.some((other) => other.name === fault.name)) {
    problems.push(`name: "${fault.name}" is taken, expected a name unique within the run`);
  }
  if (!Number.isFinite(fault.startMs) || !Number.isFinite(fault.endMs)) {
    problems.push("startMs/endMs: expected finite epoch milliseconds");
  } else if (fault.endMs <= fault.startMs) {
    problems.push(
      `endMs: expected a time after startMs, got a window of ${fault.endMs - fault.startMs} ms`,
    );
  }
  for (const prefix of fault.paths ?? []) {
    if (!prefix.startsWith("/v1/")) {
      problems.push(`paths: expected prefixes starting with /v1/, got "${prefix}"`);
    }
  }
  if ("probability" in fault && fault.probability !== undefined) {
    if (!(fault.probability >= 0 && fault.probability <= 1)) {
      problems.push(`probability: expected a number from 0 to 1, got ${fault.probability}`);
    }
  }
  if (fault.kind === "rate_limit" && fault.retryAfterSeconds !== undefined) {
    if (!Number.isInteger(fault.retryAfterSeconds) || fault.retryAfterSeconds < 1) {
      problems.push(`retryAfterSeconds: expected an integer >= 1, got ${fault.retryAfterSeconds}`);
    }
  }
  if (fault.kind === "latency" && !(fault.latencyMs >= 0 && Number.isFinite(fault.latencyMs))) {
    problems.push(`latencyMs: expected a finite number >= 0, got ${fault.latencyMs}`);
  }
  if (fault.kind === "ingestion_lag" && !(fault.p99Ms > 0 && Number.isFinite(fault.p99Ms))) {
    problems.push(`p99Ms: expected a finite number > 0, got ${fault.p99Ms}`);
  }
  if (problems.length > 0) {
    throw new InvalidApiFaultError(
      `Invalid API fault "${fault.name}" (${fault.kind}): ${problems.join("; ")}.`,
    );
  }
}
