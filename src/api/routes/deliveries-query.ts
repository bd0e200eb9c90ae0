import type { DeliveryQuery, DeliveryStatus } from "../../webhooks/delivery-log.js";
import { ApiError } from "../api-error.js";

const STATUSES: readonly DeliveryStatus[] = ["pending", "succeeded", "failed"];
const MAX_LIMIT = 1_000;
const DEFAULT_LIMIT = 100;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Query parameters of `GET /v1/webhooks/deliveries`, all strings as they arrive. */
export const DELIVERY_LIST_PARAMETERS = [
  "status",
  "event_id",
  "endpoint_id",
  "from",
  "to",
  "limit",
  "offset",
  "cursor",
] as const;

/** Query parameters of `GET /v1/webhooks/notifications`. */
export const NOTIFICATION_LIST_PARAMETERS = ["limit", "offset", "cursor"] as const;

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

/**
 * Parses the filters of a delivery listing. Every parameter arrives as a string (the server
 * does not coerce types), and a bad one is a 400 naming the parameter, the accepted form and
 * the value received.
 */
export function parseDeliveryFilter(query: Record<string, string | undefined>): DeliveryQuery {
  rejectUnknown(query, DELIVERY_LIST_PARAMETERS);
  const filter: { -readonly [K in keyof DeliveryQuery]: DeliveryQuery[K] } = {};
  if (query.status !== undefined) {
    if (!(STATUSES as readonly string[]).includes(query.status)) {
      throw invalid("status", `one of ${STATUSES.join(", ")}`, query.status);
    }
    filter.status = query.status as DeliveryStatus;
  }
  if (query.event_id !== undefined) {
    filter.eventId = nonEmpty("event_id", query.event_id, "an event id like evt_…");
  }
  if (query.endpoint_id !== undefined) {
    filter.endpointId = nonEmpty("endpoint_id", query.endpoint_id, "an endpoint id like we_…");
  }
  if (query.from !== undefined) {
    filter.fromMs = parseTime("from", query.from);
  }
  if (query.to !== undefined) {
    filter.toMs = parseTime("to", query.to);
  }
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs >= filter.toMs) {
    throw new ApiError(
      "validation_failed",
      `Invalid time window: from (${query.from}) must be before to (${query.to}).`,
    );
  }
  return filter;
}

/**
 * Parses `limit` and the position: either `offset` (an integer >= 0) or `cursor` (the
 * `next_cursor` of the previous page), not both.
 */
export function parsePage(
  query: Record<string, string | undefined>,
  accepted: readonly string[] = NOTIFICATION_LIST_PARAMETERS,
): Page {
  rejectUnknown(query, accepted);
  let limit = DEFAULT_LIMIT;
  if (query.limit !== undefined) {
    if (
      !/^\d{1,4}$/.test(query.limit) ||
      Number(query.limit) < 1 ||
      Number(query.limit) > MAX_LIMIT
    ) {
      throw invalid("limit", `an integer from 1 to ${MAX_LIMIT}`, query.limit);
    }
    limit = Number(query.limit);
  }
  if (query.offset !== undefined && query.cursor !== undefined) {
    throw new ApiError(
      "validation_failed",
      "Invalid pagination: send either offset or cursor, not both; a cursor carries its own position.",
    );
  }
  let offset = 0;
  if (query.offset !== undefined) {
    if (!/^\d{1,9}$/.test(query.offset)) {
      throw invalid("offset", "an integer >= 0", query.offset);
    }
    offset = Number(query.offset);
  }
  if (query.cursor !== undefined) {
    offset = decodeCursor(query.cursor);
  }
  return { offset, limit };
}

/** Encodes the position of the next page as an opaque cursor. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`dlv-offset:${offset}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^dlv-offset:(\d{1,9})$/.exec(text);
  if (match === null) {
    throw invalid("cursor", "the next_cursor value of a previous page", cursor);
  }
  return Number(match[1]);
}

function rejectUnknown(
  query: Record<string, string | undefined>,
  accepted: readonly string[],
): void {
  for (const [name, value] of Object.entries(query)) {
    if (!accepted.includes(name)) {
      throw new ApiError(
        "validation_failed",
        `Invalid query parameter ${name}=${JSON.stringify(value)}: unknown parameter; accepted: ${accepted.join(", ")}.`,
      );
    }
    if (typeof value !== "string") {
      throw new ApiError(
        "validation_failed",
        `Invalid query parameter ${name}: expected one value, got ${JSON.stringify(value)}.`,
      );
    }
  }
}

function nonEmpty(name: string, value: string, form: string): string {
  if (value === "") {
    throw invalid(name, form, value);
  }
  return value;
}

function parseTime(name: string, value: string): number {
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(ms)) {
    throw invalid(name, 'an RFC 3339 time like "2026-05-15T09:00:00Z"', value);
  }
  return ms;
}

function invalid(name: string, form: string, value: string): ApiError {
  return new ApiError(
    "validation_failed",
    `Invalid ${name}: expected ${form}, got ${JSON.stringify(value)}.`,
  );
}
