import { type Static, Type } from "@sinclair/typebox";
import { parseDurationMs } from "../../clock/duration.js";
import type { ApiFault } from "../../faults/api-fault-plan.js";
import type { OutageWindow } from "../../faults/delivery-fault-plan.js";
import type { Delivery } from "../../webhooks/delivery-log.js";
import type { DeliveryTimeline } from "../../webhooks/delivery-timeline.js";
import type { DeliveryFaults, FaultContext } from "../../webhooks/dispatcher.js";
import { ApiError } from "../api-error.js";

export const FAULT_TYPES = [
  "rate_limit",
  "server_error",
  "outage",
  "latency",
  "ingestion_lag",
  "receiver_outage",
] as const;

const DurationText = (description: string) =>
  Type.String({ minLength: 1, maxLength: 32, description });

/**
 * Body of `POST /_sim/faults`. One flat object rather than a union by `type`, so that a wrong
 * field gets a message naming it instead of one error per union member.
 */
export const FaultBody = Type.Object(
  {
    type: Type.Union(FAULT_TYPES.map((name) => Type.Literal(name))),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    at: Type.Optional(DurationText("Start, as a duration from now such as `30s`. Default: `0s`.")),
    for: DurationText("Length of the window, e.g. `2m`."),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    status: Type.Optional(Type.Union([Type.Literal(500), Type.Literal(502), Type.Literal(503)])),
    response: Type.Optional(
      Type.Union([Type.Literal("refuse"), Type.Literal("reset"), Type.Literal("unavailable")]),
    ),
    latency: Type.Optional(DurationText("Added latency per response, e.g. `1500ms`.")),
    lag_p99: Type.Optional(DurationText("99th percentile of ingestion lag, e.g. `10m`.")),
    paths: Type.Optional(
      Type.Array(Type.String({ minLength: 4, maxLength: 200 }), { minItems: 1, maxItems: 10 }),
    ),
  },
  { additionalProperties: false },
);
export type FaultBody = Static<typeof FaultBody>;

// Fields each type takes besides `type`, `name`, `at` and `for`.
const FIELDS_BY_TYPE: Record<FaultBody["type"], readonly (keyof FaultBody)[]> = {
  rate_limit: ["probability", "retry_after", "paths"],
  server_error: ["status", "probability", "paths"],
  outage: ["response", "paths"],
  latency: ["latency", "paths"],
  ingestion_lag: ["lag_p99"],
  receiver_outage: [],
};

/** A fault request turned into simulated times; `receiver_outage` goes to the dispatcher instead. */
export type ParsedFault =
  | { readonly target: "api"; readonly fault: ApiFault }
  | { readonly target: "receiver"; readonly window: OutageWindow };

/** Converts a validated body into a fault starting relative to `nowMs`; throws a 400 naming the field. */
export function parseFaultBody(body: FaultBody, nowMs: number, defaultName: string): ParsedFault {
  const allowed = new Set<string>(["type", "name", "at", "for", ...FIELDS_BY_TYPE[body.type]]);
  const extra = Object.keys(body).filter((key) => !allowed.has(key));
  if (extra.length > 0) {
    throw invalid(
      `Invalid fault: ${extra.join(", ")} does not apply to type "${body.type}"; ` +
        `it takes ${[...allowed].join(", ")}.`,
    );
  }
  const atMs = requireDuration("at", body.at ?? "0s");
  const forMs = requireDuration("for", body.for);
  if (forMs <= 0) {
    throw invalid(`Invalid fault field for: expected a duration > 0, got "${body.for}".`);
  }
  const window = {
    name: body.name ?? defaultName,
    startMs: Math.floor(nowMs + atMs),
    endMs: Math.floor(nowMs + atMs + forMs),
    ...(body.paths === undefined ? {} : { paths: body.paths }),
  };
  switch (body.type) {
    case "rate_limit":
      return {
        target: "api",
        fault: {
          kind: "rate_limit",
          ...window,
          ...(body.probability === undefined ? {} : { probability: body.probability }),
          ...(body.retry_after === undefined ? {} : { retryAfterSeconds: body.retry_after }),
        },
      };
    case "server_error":
      return {
        target: "api",
        fault: {
          kind: "server_error",
          ...window,
          status: body.status ?? 503,
          ...(body.probability === undefined ? {} : { probability: body.probability }),
        },
      };
    case "outage":
      return {
        target: "api",
        fault: { kind: "outage", ...window, response: body.response ?? "unavailable" },
      };
    case "latency":
      if (body.latency === undefined) {
        throw invalid('Missing fault field latency: type "latency" needs a duration such as "2s".');
      }
      return {
        target: "api",
        fault: { kind: "latency", ...window, latencyMs: requireDuration("latency", body.latency) },
      };
    case "ingestion_lag":
      if (body.lag_p99 === undefined) {
        throw invalid(
          'Missing fault field lag_p99: type "ingestion_lag" needs a duration such as "10m".',
        );
      }
      return {
        target: "api",
        fault: {
          kind: "ingestion_lag",
          ...window,
          p99Ms: requireDuration("lag_p99", body.lag_p99),
        },
      };
    case "receiver_outage":
      return {
        target: "receiver",
        window: { name: window.name, startMs: window.startMs, endMs: window.endMs },
      };
  }
}

/**
 * Receiver outages added at run time through the control API. It wraps the dispatcher's
 * previous fault plan, so faults declared at start keep working, and checks
 * both in `unreachableAt`.
 */
export class ControlledReceiverOutages implements DeliveryFaults {
  readonly #base: DeliveryFaults | undefined;
  readonly #outages: OutageWindow[] = [];
  #timeline: Pick<DeliveryTimeline, "record"> | undefined;

  constructor(base?: DeliveryFaults) {
    this.#base = base;
  }

  get outages(): readonly OutageWindow[] {
    return this.#outages;
  }

  add(window: OutageWindow): void {
    if (this.#outages.some((other) => other.name === window.name)) {
      throw invalid(`Invalid fault name: "${window.name}" is taken, expected a unique name.`);
    }
    this.#outages.push(Object.freeze({ ...window }));
    this.#timeline?.record({
      atMs: window.startMs,
      kind: "receiver_outage",
      fault: window.name,
      detail: `window of ${window.endMs - window.startMs} ms opens`,
    });
  }

  unreachableAt(endpointId: string, atMs: number): string | undefined {
    const own = this.#outages.find((window) => atMs >= window.startMs && atMs < window.endMs);
    return own?.name ?? this.#base?.unreachableAt(endpointId, atMs);
  }

  loseResponse(delivery: Delivery, attemptNumber: number): boolean {
    return this.#base?.loseResponse(delivery, attemptNumber) ?? false;
  }

  holdFirstAttempt(delivery: Delivery, atMs: number) {
    return this.#base?.holdFirstAttempt?.(delivery, atMs);
  }

  slowSuccess(delivery: Delivery, attemptNumber: number, atMs: number) {
    return this.#base?.slowSuccess?.(delivery, attemptNumber, atMs);
  }

  duplicateAttempt(...args: Parameters<NonNullable<DeliveryFaults["duplicateAttempt"]>>) {
    return this.#base?.duplicateAttempt?.(...args);
  }

  /** Takes the timeline only: the base plan was attached when it was installed. */
  attach(context: FaultContext): void {
    this.#timeline = context.timeline;
  }
}

function requireDuration(field: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    throw invalid(
      `Invalid fault field ${field}: expected a duration such as "500ms", "30s", "21m" or "1h30m", got "${text}".`,
    );
  }
  return ms;
}

function invalid(message: string): ApiError {
  return new ApiError("validation_failed", message);
}
