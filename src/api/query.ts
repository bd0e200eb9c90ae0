import { type TSchema, Type } from "@sinclair/typebox";
import type { FastifySchemaValidationError } from "fastify";
import { formatTimestampUs } from "../model/click.js";
import { ApiError } from "./api-error.js";

/**
 * Query parameters of the analytics API. The server's Ajv does not coerce types, so every
 * value is declared as a string with a pattern, and the handlers parse it after validation.
 * The same schemas validate requests and generate the OpenAPI document.
 */

/** RFC 3339 date-time: `2026-05-15T09:00:00Z`, with up to 9 fractional digits and a `Z` or `±hh:mm` offset. */
const RFC3339_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
const RFC3339 = new RegExp(RFC3339_PATTERN);

/** Earliest and latest accepted timestamps: epoch microseconds stay exact in a double until 2255. */
const MIN_TIMESTAMP_US = 0;
const MAX_TIMESTAMP_US = Date.UTC(2200, 0, 1) * 1_000 - 1;

/** Maximum `limit` of `clicks/recent`. */
export const MAX_PAGE_LIMIT = 1000;
/** `limit` of `clicks/recent` when the request sends none. */
export const DEFAULT_PAGE_LIMIT = 100;

interface QueryParameter {
  readonly schema: TSchema;
  /** The accepted form, as error messages name it. */
  readonly expected: string;
}

const TIMESTAMP_FORM = "an RFC 3339 timestamp such as 2026-05-15T09:00:00Z";

export const QUERY_PARAMETERS = {
  from: {
    schema: Type.String({
      pattern: RFC3339_PATTERN,
      description:
        "Start of the window, included (RFC 3339). Default: 24 hours before `to`. Not allowed with `cursor`.",
      examples: ["2026-05-15T00:00:00Z"],
    }),
    expected: TIMESTAMP_FORM,
  },
  to: {
    schema: Type.String({
      pattern: RFC3339_PATTERN,
      description:
        "End of the window, excluded (RFC 3339). Default: the simulated time of the request. Not allowed with `cursor`.",
      examples: ["2026-05-16T00:00:00Z"],
    }),
    expected: TIMESTAMP_FORM,
  },
  limit: {
    schema: Type.String({
      pattern: "^(?:[1-9][0-9]{0,2}|1000)$",
      description: `Maximum number of clicks in the page, 1 to ${MAX_PAGE_LIMIT}. Default: ${DEFAULT_PAGE_LIMIT}.`,
      examples: ["100"],
    }),
    expected: `an integer from 1 to ${MAX_PAGE_LIMIT}`,
  },
  cursor: {
    schema: Type.String({
      pattern: "^[A-Za-z0-9_-]{1,512}$",
      description:
        "Opaque `next_cursor` of the previous page. It carries the window, the position and the link filter.",
    }),
    expected: "a next_cursor value returned by this API for this workspace",
  },
  link_id: {
    schema: Type.String({
      pattern: "^[1-9][0-9]{0,14}$",
      description: "Only clicks on this link.",
      examples: ["90001"],
    }),
    expected: "a positive integer link id such as 90001",
  },
  interval: {
    schema: Type.Unsafe<"day" | "hour" | "minute">({
      type: "string",
      enum: ["day", "hour", "minute"],
      description: "Bucket size, aligned to UTC. Default: `day`.",
    }),
    expected: "one of day, hour, minute",
  },
} as const satisfies Record<string, QueryParameter>;

export type QueryParameterName = keyof typeof QUERY_PARAMETERS;

/** Builds the querystring schema of a route that accepts `names` and nothing else. */
export function querySchema(names: readonly QueryParameterName[]) {
  const properties: Record<string, TSchema> = {};
  for (const name of names) {
    properties[name] = Type.Optional(QUERY_PARAMETERS[name].schema);
  }
  return Type.Object(properties, { additionalProperties: false });
}

/**
 * Turns Ajv's errors for a querystring into one 400 that names each parameter, the accepted
 * form and the value received.
 */
export function queryValidationError(
  errors: readonly FastifySchemaValidationError[],
  query: Readonly<Record<string, unknown>>,
  accepted: readonly QueryParameterName[],
): ApiError {
  const messages = new Set<string>();
  for (const error of errors) {
    if (error.keyword === "additionalProperties") {
      const name = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      messages.add(
        `Unknown query parameter ${quoteValue(name)}: accepted parameters are ${accepted.join(", ")}.`,
      );
      continue;
    }
    const name = error.instancePath.replace(/^\//, "");
    messages.add(invalidParameterMessage(name, query[name]));
  }
  return new ApiError("validation_failed", [...messages].join(" "));
}

/** Returns the 400 message for a query parameter whose value is not of its accepted form. */
export function invalidParameterMessage(name: string, value: unknown): string {
  const expected =
    name in QUERY_PARAMETERS
      ? QUERY_PARAMETERS[name as QueryParameterName].expected
      : "a valid value";
  if (Array.isArray(value)) {
    return `Invalid query parameter ${name}: expected one value, got ${value.length}. Send ${name} once.`;
  }
  return `Invalid query parameter ${name}: expected ${expected}, got ${quoteValue(String(value))}.`;
}

export function invalidParameter(name: QueryParameterName, value: unknown): ApiError {
  return new ApiError("validation_failed", invalidParameterMessage(name, value));
}

/** Quotes a received value for an error message, cut to 100 characters. */
export function quoteValue(value: string): string {
  const cut = value.length > 100 ? `${value.slice(0, 100)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Parses an RFC 3339 timestamp into epoch microseconds. Digits after the sixth fractional one
 * are dropped. Returns `undefined` for text that is not a real date and time between 1970 and
 * 2199, including a leap second (`:60`).
 */
export function parseTimestampUs(text: string): number | undefined {
  if (!RFC3339.test(text)) {
    return undefined;
  }
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  const hour = Number(text.slice(11, 13));
  const minute = Number(text.slice(14, 16));
  const second = Number(text.slice(17, 19));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) {
    return undefined;
  }
  let rest = text.slice(19);
  let micros = 0;
  if (rest.startsWith(".")) {
    const digits = /^\.([0-9]+)/.exec(rest)?.[1] ?? "";
    micros = Number(digits.slice(0, 6).padEnd(6, "0"));
    rest = rest.slice(1 + digits.length);
  }
  let offsetMinutes = 0;
  if (rest !== "Z" && rest !== "z") {
    const offsetHours = Number(rest.slice(1, 3));
    const offsetMinutesPart = Number(rest.slice(4, 6));
    if (offsetHours > 23 || offsetMinutesPart > 59) {
      return undefined;
    }
    offsetMinutes = (rest.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetMinutesPart);
  }
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000;
  const epochUs = epochMs * 1_000 + micros;
  if (!Number.isSafeInteger(epochUs) || epochUs < MIN_TIMESTAMP_US || epochUs > MAX_TIMESTAMP_US) {
    return undefined;
  }
  return epochUs;
}

/** A half-open window of `occurred_at` values, in epoch microseconds. */
export interface TimeWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

const DAY_US = 86_400_000_000;

/**
 * Resolves `from` and `to` into a window: `to` defaults to `nowUs` and `from` to 24 hours
 * before `to`. Throws a 400 that names the parameter when either is invalid or `from` is
 * after `to`.
 */
export function resolveWindow(
  query: { from?: string | undefined; to?: string | undefined },
  nowUs: number,
): TimeWindow {
  const toUs = query.to === undefined ? nowUs : parseTimestampUs(query.to);
  if (toUs === undefined) {
    throw invalidParameter("to", query.to);
  }
  const fromUs =
    query.from === undefined ? Math.max(0, toUs - DAY_US) : parseTimestampUs(query.from);
  if (fromUs === undefined) {
    throw invalidParameter("from", query.from);
  }
  if (fromUs > toUs) {
    throw new ApiError(
      "validation_failed",
      `Invalid window: from ${formatTimestampUs(fromUs)} is after to ${formatTimestampUs(toUs)}. ` +
        "Send a from that is earlier than or equal to to.",
    );
  }
  return { fromUs, toUs };
}
