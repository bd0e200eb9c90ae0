import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import {
  type AnalyticsClient,
  type HttpResponse,
  startAnalyticsClient,
} from "./analytics-client.js";

const START_MS = Date.parse("2026-05-15T09:00:00Z");
const CONCURRENCY = 8;

let sim: Simulation;
let client: AnalyticsClient;
/** A valid cursor of the workspace under test. */
let cursor: string;
/** A cursor of another simulation whose workspace is 777. */
let foreignCursor: string;

beforeAll(async () => {
  sim = new Simulation({ clock: new VirtualClock(START_MS), seed: 5 });
  sim.startTraffic({ startMs: START_MS, endMs: START_MS + 600_000, ratePerSecond: 2 });
  await sim.scheduler.runUntilQuiet(START_MS + 3_600_000);
  client = await startAnalyticsClient(sim);
  cursor = await firstCursor(client);

  const other = new Simulation({ clock: new VirtualClock(START_MS), seed: 6, workspaceId: 777 });
  other.startTraffic({ startMs: START_MS, endMs: START_MS + 60_000, ratePerSecond: 2 });
  await other.scheduler.runUntilQuiet(START_MS + 3_600_000);
  const otherClient = await startAnalyticsClient(other);
  foreignCursor = await firstCursor(otherClient);
  await otherClient.close();
  await other.close();
}, 60_000);

afterAll(async () => {
  await client.close();
  await sim.close();
});

async function firstCursor(target: AnalyticsClient): Promise<string> {
  const response = await target.get(`${target.workspacePath}/clicks/recent?limit=1`);
  return (response.body as { next_cursor: string }).next_cursor;
}

const BAD_TIMESTAMPS = [
  "",
  "yesterday",
  "2026-05-15",
  "2026-13-01T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "2026-05-15T24:00:00Z",
  "2026-05-15T09:60:00Z",
  "2026-05-15T09:00:60Z",
  "2026-05-15T09:00:00+24:00",
  "2026-05-15T09:00:00+01:60",
  "2026-05-15 09:00:00Z",
  "2026-05-15T09:00:00",
  "1969-12-31T23:59:59Z",
  "2200-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999999999Z",
  "0000-01-01T00:00:00Z",
  "2026-05-15T09:00:00.Z",
  "2026-05-15T09:00:00.1234567890Z",
  "1747299600",
  "-1",
  "２０２６-05-15T09:00:00Z",
  "2026-05-15T09:00:00Z\u0000",
  "2026-05-15T09:00:00Z ",
];

const BAD_LIMITS = [
  "0",
  "-1",
  "1001",
  "99999999999999999999999",
  "abc",
  "1.5",
  "1e3",
  " 1",
  "+5",
  "0x10",
  "",
  "NaN",
  "Infinity",
  "01",
  "1,2",
  "١٠",
];

const BAD_LINK_IDS = ["0", "-5", "abc", "1.0", "99999999999999999999", "", "90001x", "1e5"];

function garbageCursors(): string[] {
  const flipped = `${cursor.slice(0, 10)}${cursor[10] === "A" ? "B" : "A"}${cursor.slice(11)}`;
  return [
    "",
    "abc",
    "null",
    cursor.slice(0, -1),
    `${cursor}A`,
    flipped,
    cursor.toUpperCase(),
    Buffer.from("not a cursor at all").toString("base64url"),
    "A".repeat(98),
    "A".repeat(600),
    `${cursor}=`,
    cursor.replaceAll("-", "+"),
    foreignCursor,
  ];
}

/** Characters that only encoding tricks reach: broken escapes, NUL, overlong UTF-8, surrogates. */
const ODD_ENCODED = [
  "%",
  "%%",
  "%zz",
  "%C3%28",
  "%E0%A4%A",
  "%00",
  "%C0%AF",
  "%ED%A0%80",
  "%FF%FE",
  "+",
  "%2B",
  "%26",
  "%3D",
];

const ENDPOINTS = ["clicks/recent", "summary", "timeseries", "breakdown/country"];

/** Builds the malformed requests: each is a path and the key to send. */
function malformedRequests(): { path: string; key: string | null }[] {
  const base = client.workspacePath;
  const key = client.apiKey;
  const requests: { path: string; key: string | null }[] = [];
  const add = (path: string, sendKey: string | null = key) => requests.push({ path, key: sendKey });
  const encode = encodeURIComponent;

  for (const endpoint of ENDPOINTS) {
    for (const value of BAD_TIMESTAMPS) {
      add(`${base}/${endpoint}?from=${encode(value)}`);
      add(`${base}/${endpoint}?to=${encode(value)}`);
      add(`${base}/${endpoint}?from=${encode(value)}&to=${encode(value)}`);
    }
    add(`${base}/${endpoint}?from=2026-05-16T00:00:00Z&to=2026-05-15T00:00:00Z`);
    for (const raw of ODD_ENCODED) {
      add(`${base}/${endpoint}?from=${raw}`);
      add(`${base}/${endpoint}?${raw}=1`);
      add(`${base}/${endpoint}/${raw}`);
      add(`/v1/analytics/workspaces/${raw}/${endpoint}`);
    }
    for (const unknown of [
      "foo",
      "LIMIT",
      "From",
      "from[]",
      "__proto__",
      "constructor",
      "to.x",
      "a%20b",
    ]) {
      add(`${base}/${endpoint}?${unknown}=1`);
    }
    add(`${base}/${endpoint}?from=2026-05-15T00:00:00Z&from=2026-05-15T01:00:00Z`);
    add(`${base}/${endpoint}?${"x".repeat(5_000)}=1`);
    add(`${base}/${endpoint}?from=${"9".repeat(10_000)}`);
    for (const workspace of [
      "abc",
      "-1",
      "0",
      "4124",
      "99999999999999999999",
      "4123.0",
      "%20",
      "0x101B",
      "4123%00",
      "%E2%80%8B4123",
    ]) {
      add(`/v1/analytics/workspaces/${workspace}/${endpoint}`);
    }
    for (const wrongKey of [
      null,
      "",
      "elido_sk_wrong",
      `${key}x`,
      key.toUpperCase(),
      "Bearer",
      "x".repeat(4_000),
    ]) {
      add(`${base}/${endpoint}`, wrongKey);
    }
  }

  for (const value of BAD_LIMITS) {
    add(`${base}/clicks/recent?limit=${encode(value)}`);
    add(`${base}/clicks/recent?cursor=${cursor}&limit=${encode(value)}`);
  }
  for (const value of BAD_LINK_IDS) {
    add(`${base}/clicks/recent?link_id=${encode(value)}`);
  }
  add(`${base}/clicks/recent?link_id=12345`);
  add(`${base}/clicks/recent?cursor=${cursor}&link_id=90002`);
  for (const value of garbageCursors()) {
    add(`${base}/clicks/recent?cursor=${encode(value)}`);
  }
  add(`${base}/clicks/recent?cursor=${cursor}&from=2026-05-15T00:00:00Z`);
  add(`${base}/clicks/recent?cursor=${cursor}&to=2026-05-15T00:00:00Z`);
  add(`${base}/clicks/recent?cursor=${cursor}&cursor=${cursor}`);
  for (const interval of ["", "week", "DAY", "second", "day,hour", "1h"]) {
    add(`${base}/timeseries?interval=${encode(interval)}`);
  }
  add(`${base}/timeseries?interval=minute&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
  add(`${base}/summary?from=1970-01-01T00:00:00Z&to=2199-12-31T23:59:59Z`);
  add(`${base}/breakdown/country?from=1970-01-01T00:00:00Z&to=2199-12-31T23:59:59Z`);
  add(`${base}/clicks/recent?from=1970-01-01T00:00:00Z&to=2199-12-31T23:59:59Z&limit=1000`);

  // Random text in every parameter, percent-encoded so that it reaches the parser intact.
  const text = fc.string({ unit: "binary", maxLength: 40 });
  const names = ["from", "to", "limit", "cursor", "link_id", "interval", "x"];
  for (const [index, value] of fc.sample(text, { numRuns: 1_500, seed: 42 }).entries()) {
    const name = names[index % names.length] as string;
    const endpoint = ENDPOINTS[index % ENDPOINTS.length] as string;
    let encoded: string;
    try {
      encoded = encode(value);
    } catch {
      encoded = `%ED%B0%80${index}`;
    }
    add(`${base}/${endpoint}?${name}=${encoded}`);
  }
  return requests;
}

describe("analytics API under malformed requests", () => {
  it("never answers 5xx and always sends the envelope", async () => {
    const requests = malformedRequests();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;

    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const { path, key } = requests[next++] as { path: string; key: string | null };
        const response = await client.get(path, key);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const problem = checkResponse(response);
        if (problem !== null) {
          failures.push(`${response.status} GET ${path.slice(0, 200)}: ${problem}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(requests.length).toBeGreaterThanOrEqual(2_000);
    expect(failures).toEqual([]);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(1_000);
  });
});

/** Returns what is wrong with a response, or null. */
function checkResponse(response: HttpResponse): string | null {
  if (response.status >= 500) {
    return `server error ${response.text.slice(0, 200)}`;
  }
  if (response.status < 400) {
    return null;
  }
  const body = response.body as Record<string, unknown> | undefined;
  if (body === undefined || typeof body.error !== "string" || typeof body.code !== "string") {
    return `no error envelope: ${response.text.slice(0, 200)}`;
  }
  if (typeof body.request_id !== "string" || body.request_id !== response.headers["x-request-id"]) {
    return `request_id ${String(body.request_id)} differs from X-Request-ID ${response.headers["x-request-id"]}`;
  }
  return null;
}
