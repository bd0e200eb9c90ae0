import { parseTimestampUs } from "../query.js";

/** Parses an RFC 3339 time into epoch milliseconds, or `undefined` when it is not one. */
export function parseQueryTimestampMs(text: string): number | undefined {
  const us = parseTimestampUs(text);
  return us === undefined ? undefined : Math.floor(us / 1_000);
}
