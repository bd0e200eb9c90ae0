import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { formatTimestampUs, type RecordedClick } from "../../src/model/click.js";
import type { Link } from "../../src/model/workspace.js";
import { type AnalyticsClient, startAnalyticsClient, walkWindow } from "./analytics-client.js";

// An hour before a UTC midnight, so windows cross minute, hour and day boundaries.
const START_MS = Date.parse("2026-05-15T23:00:00Z");
const TRAFFIC_SPAN_MS = 3 * 3_600_000;
const MINUTE_US = 60_000_000;

/** An offset from the start in microseconds, often on or next to a minute boundary. */
const offsetUs = fc.oneof(
  fc.integer({ min: 0, max: TRAFFIC_SPAN_MS * 1_000 }),
  fc
    .tuple(fc.integer({ min: 0, max: 180 }), fc.constantFrom(-1, 0, 1))
    .map(([minute, delta]) => Math.max(0, minute * MINUTE_US + delta)),
);

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  clickOffsets: fc.array(offsetUs, { maxLength: 120 }),
  botOffsets: fc.array(offsetUs, { maxLength: 10 }),
  // From no lag to an incident where the 99th percentile is an hour.
  lagP99Ms: fc.constantFrom(0, 5_000, 600_000, 3_600_000),
  limit: fc.integer({ min: 1, max: 30 }),
  windowStart: offsetUs,
  windowEnd: offsetUs,
  midpointShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

interface Totals {
  clicks: number;
  timeseries: Record<string, number>;
  countrySum: number;
  linkSum: number;
  links: Map<number, number>;
}

describe("analytics API properties", () => {
  it("lists and counts each visible human click exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (input) => {
        const clock = new VirtualClock(START_MS);
        const sim = new Simulation({ clock, seed: input.seed, ingestionLagP99Ms: input.lagP99Ms });
        const client = await startAnalyticsClient(sim);
        try {
          await checkScenario(sim, client, input);
        } finally {
          await client.close();
          await sim.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

async function checkScenario(
  sim: Simulation,
  client: AnalyticsClient,
  input: typeof scenario extends fc.Arbitrary<infer T> ? T : never,
): Promise<void> {
  const links = sim.workspace.links;
  input.clickOffsets.forEach((offset, index) => {
    const occurredAtUs = START_MS * 1_000 + offset;
    sim.scheduler.at(Math.floor(occurredAtUs / 1_000), () => {
      const link = links[index % links.length] as Link;
      sim.recordHumanClick(sim.createDetachedClick(link, occurredAtUs), occurredAtUs);
    });
  });
  // Bot filtering drops these before ingestion, so only the ground truth has them.
  const bots = input.botOffsets.map((offset, index) => {
    const occurredAtUs = START_MS * 1_000 + offset;
    const click = sim.createDetachedClick(links[index % links.length] as Link, occurredAtUs);
    const recorded: RecordedClick = {
      click,
      occurredAtUs,
      visibleAtMs: Math.floor(occurredAtUs / 1_000),
      bot: true,
    };
    sim.groundTruth.add(recorded);
    return click.click_id;
  });

  const fromUs = START_MS * 1_000 + Math.min(input.windowStart, input.windowEnd);
  const toUs = START_MS * 1_000 + Math.max(input.windowStart, input.windowEnd);
  const query = `from=${formatTimestampUs(fromUs)}&to=${formatTimestampUs(toUs)}`;
  const midpointMs = START_MS + Math.floor(input.midpointShare * TRAFFIC_SPAN_MS);

  await sim.scheduler.runUntil(midpointMs);
  const early = await walkWindow(client, query, input.limit);
  const expectedEarly = expectedIds(sim, fromUs, toUs, midpointMs);
  expect(early.ids).toEqual(expectedEarly);
  expect(await readTotals(client, query)).toEqual(
    totalsOf(expectedEarly.length, sim, fromUs, toUs, midpointMs),
  );

  const quiet = await sim.scheduler.runUntilQuiet(START_MS + 48 * 3_600_000);
  expect(quiet).toBe(true);
  const late = await walkWindow(client, query, input.limit);
  const expectedLate = expectedIds(sim, fromUs, toUs, Number.POSITIVE_INFINITY);
  expect(late.ids).toEqual(expectedLate);
  expect(late.ids).toEqual(expect.arrayContaining(early.ids));
  expect(await readTotals(client, query)).toEqual(
    totalsOf(expectedLate.length, sim, fromUs, toUs, Number.POSITIVE_INFINITY),
  );
  expect(late.pages).toBe(Math.max(1, Math.ceil(expectedLate.length / input.limit)));

  const link = links[0] as Link;
  const filtered = await walkWindow(client, `${query}&link_id=${link.link_id}`, input.limit);
  expect(filtered.ids).toEqual(
    expectedLate.filter((id) => sim.groundTruth.get(id)?.click.link_id === link.link_id),
  );

  for (const botId of bots) {
    expect(late.ids).not.toContain(botId);
    expect(early.ids).not.toContain(botId);
  }
}

/** Human click ids with `fromUs <= occurred_at < toUs` visible at `atMs`, in API order. */
function expectedIds(sim: Simulation, fromUs: number, toUs: number, atMs: number): string[] {
  return sim.groundTruth
    .humans()
    .filter((r) => r.occurredAtUs >= fromUs && r.occurredAtUs < toUs && r.visibleAtMs <= atMs)
    .sort((a, b) =>
      a.occurredAtUs !== b.occurredAtUs
        ? a.occurredAtUs - b.occurredAtUs
        : a.click.click_id < b.click.click_id
          ? -1
          : 1,
    )
    .map((r) => r.click.click_id);
}

async function readTotals(client: AnalyticsClient, query: string): Promise<Totals> {
  const base = client.workspacePath;
  const summary = (await client.get(`${base}/summary?${query}`)).body as {
    clicks: number;
    links: { link_id: number; clicks: number }[];
  };
  const timeseries: Record<string, number> = {};
  for (const interval of ["day", "hour", "minute"]) {
    const response = await client.get(`${base}/timeseries?${query}&interval=${interval}`);
    const body = response.body as { buckets: { clicks: number }[]; clicks: number };
    timeseries[interval] = body.buckets.reduce((sum, bucket) => sum + bucket.clicks, 0);
    timeseries[`${interval} total`] = body.clicks;
  }
  const breakdown = (await client.get(`${base}/breakdown/country?${query}`)).body as {
    countries: { clicks: number }[];
  };
  return {
    clicks: summary.clicks,
    timeseries,
    countrySum: breakdown.countries.reduce((sum, country) => sum + country.clicks, 0),
    linkSum: summary.links.reduce((sum, link) => sum + link.clicks, 0),
    links: new Map(summary.links.map((link) => [link.link_id, link.clicks])),
  };
}

/** What every aggregate must report for `count` listed clicks. */
function totalsOf(
  count: number,
  sim: Simulation,
  fromUs: number,
  toUs: number,
  atMs: number,
): Totals {
  const links = new Map(sim.workspace.links.map((link) => [link.link_id, 0]));
  for (const id of expectedIds(sim, fromUs, toUs, atMs)) {
    const linkId = sim.groundTruth.get(id)?.click.link_id as number;
    links.set(linkId, (links.get(linkId) ?? 0) + 1);
  }
  return {
    clicks: count,
    timeseries: {
      day: count,
      "day total": count,
      hour: count,
      "hour total": count,
      minute: count,
      "minute total": count,
    },
    countrySum: count,
    linkSum: count,
    links,
  };
}
