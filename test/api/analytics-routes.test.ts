import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import type { Link } from "../../src/model/workspace.js";
import { type AnalyticsClient, startAnalyticsClient, walkWindow } from "./analytics-client.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");

let clock: VirtualClock;
let sim: Simulation;
let client: AnalyticsClient;

beforeEach(async () => {
  clock = new VirtualClock(T0);
  sim = new Simulation({ clock, seed: 3 });
  client = await startAnalyticsClient(sim);
});

afterEach(async () => {
  await client.close();
  await sim.close();
});

/** Records a human click that becomes visible `lagMs` after it occurred. */
function recordClick(occurredAtMs: number, lagMs: number, linkIndex = 0): string {
  const link = sim.workspace.links[linkIndex] as Link;
  const click = sim.createDetachedClick(link, occurredAtMs * 1_000);
  const row = sim.clickStore.append(click, occurredAtMs * 1_000);
  sim.scheduler.at(occurredAtMs + lagMs, () => sim.clickStore.markVisible(row));
  return click.click_id;
}

function errorOf(body: unknown): { error: string; code: string } {
  return body as { error: string; code: string };
}

describe("GET clicks/recent", () => {
  it("defaults to the last 24 hours", async () => {
    recordClick(T0 - 25 * 3_600_000, 0);
    const inside = recordClick(T0 - 3_600_000, 0);
    await sim.scheduler.runUntil(T0);

    const response = await client.get(`${client.workspacePath}/clicks/recent`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      items: [expect.objectContaining({ click_id: inside })],
      next_cursor: null,
    });
  });

  it("shows a late click in a re-read only", async () => {
    const first = recordClick(T0 + 1_000, 0);
    const late = recordClick(T0 + 500, 60_000);
    const third = recordClick(T0 + 2_000, 0);
    await sim.scheduler.runUntil(T0 + 10_000);
    const query = "from=2026-05-15T09:00:00Z&to=2026-05-15T10:00:00Z";
    const page = await client.get(`${client.workspacePath}/clicks/recent?${query}&limit=1`);
    const cursor = (page.body as { next_cursor: string }).next_cursor;

    await sim.scheduler.runUntil(T0 + 120_000);
    const rest = await client.get(`${client.workspacePath}/clicks/recent?cursor=${cursor}`);
    const reread = await walkWindow(client, query, 100);

    expect((page.body as { items: { click_id: string }[] }).items[0]?.click_id).toBe(first);
    expect((rest.body as { items: { click_id: string }[] }).items.map((i) => i.click_id)).toEqual([
      third,
    ]);
    expect(reread.ids).toEqual([late, first, third]);
  });

  it("logs served clicks and cursors", async () => {
    const ids = [recordClick(T0 - 2_000, 0), recordClick(T0 - 1_000, 0)];
    await sim.scheduler.runUntil(T0);

    const page = await client.get(`${client.workspacePath}/clicks/recent?limit=1`);
    const cursor = (page.body as { next_cursor: string }).next_cursor;
    await client.get(`${client.workspacePath}/clicks/recent?limit=1&cursor=${cursor}`);
    const entries = sim.requestLog.all();

    expect(entries[0]).toMatchObject({
      workspaceId: sim.workspace.id,
      clickIds: [ids[0]],
      nextCursor: cursor,
    });
    expect(entries[1]).toMatchObject({ cursor, clickIds: [ids[1]], nextCursor: null });
  });

  it("rejects from and to with a cursor", async () => {
    recordClick(T0 - 2_000, 0);
    recordClick(T0 - 1_000, 0);
    await sim.scheduler.runUntil(T0);
    const page = await client.get(`${client.workspacePath}/clicks/recent?limit=1`);
    const cursor = (page.body as { next_cursor: string }).next_cursor;

    const response = await client.get(
      `${client.workspacePath}/clicks/recent?cursor=${cursor}&from=2026-05-15T00:00:00Z`,
    );

    expect(response.status).toBe(400);
    expect(errorOf(response.body).error).toContain("from and to cannot be sent with cursor");
  });

  it("rejects an edited cursor", async () => {
    recordClick(T0 - 2_000, 0);
    recordClick(T0 - 1_000, 0);
    await sim.scheduler.runUntil(T0);
    const page = await client.get(`${client.workspacePath}/clicks/recent?limit=1`);
    const cursor = (page.body as { next_cursor: string }).next_cursor;
    const edited = `${cursor.slice(0, 20)}${cursor[20] === "A" ? "B" : "A"}${cursor.slice(21)}`;

    const response = await client.get(`${client.workspacePath}/clicks/recent?cursor=${edited}`);

    expect(response.status).toBe(400);
    expect(errorOf(response.body).code).toBe("validation_failed");
    expect(errorOf(response.body).error).toContain("Invalid query parameter cursor");
  });

  it("names the limit and its form", async () => {
    const response = await client.get(`${client.workspacePath}/clicks/recent?limit=abc`);

    expect(response.status).toBe(400);
    expect(errorOf(response.body).error).toBe(
      'Invalid query parameter limit: expected an integer from 1 to 1000, got "abc".',
    );
  });

  it("rejects an unknown parameter", async () => {
    const response = await client.get(`${client.workspacePath}/clicks/recent?page=2`);

    expect(response.status).toBe(400);
    expect(errorOf(response.body).error).toContain('Unknown query parameter "page"');
  });

  it("returns 404 for an unknown link", async () => {
    const response = await client.get(`${client.workspacePath}/clicks/recent?link_id=1`);

    expect(response.status).toBe(404);
    expect(errorOf(response.body).code).toBe("not_found");
  });
});

describe("analytics workspace check", () => {
  it("forbids another workspace", async () => {
    const response = await client.get("/v1/analytics/workspaces/4124/summary");

    expect(response.status).toBe(403);
    expect(errorOf(response.body).code).toBe("forbidden");
  });

  it("rejects a non-numeric workspace", async () => {
    const response = await client.get("/v1/analytics/workspaces/acme/summary");

    expect(response.status).toBe(400);
    expect(errorOf(response.body).error).toContain('got "acme"');
  });

  it("rejects a missing key first", async () => {
    const response = await client.get("/v1/analytics/workspaces/acme/summary", null);

    expect(response.status).toBe(401);
  });
});

describe("GET summary, timeseries and breakdown/country", () => {
  it("echoes the default window", async () => {
    clock.setNow(T0 + 0.5);

    const response = await client.get(`${client.workspacePath}/summary`);

    expect(response.body).toMatchObject({
      from: "2026-05-14T09:00:00.000500Z",
      to: "2026-05-15T09:00:00.000500Z",
      clicks: 0,
    });
  });

  it("lists every link in the summary", async () => {
    recordClick(T0 - 1_000, 0, 1);
    await sim.scheduler.runUntil(T0);

    const response = await client.get(`${client.workspacePath}/summary`);

    expect((response.body as { links: unknown[] }).links).toEqual(
      sim.workspace.links.map((link, index) => ({
        link_id: link.link_id,
        clicks: index === 1 ? 1 : 0,
      })),
    );
  });

  it("includes empty UTC buckets", async () => {
    recordClick(T0 + 90 * 60_000, 0);
    await sim.scheduler.runUntil(T0 + 3 * 3_600_000);

    const response = await client.get(
      `${client.workspacePath}/timeseries?interval=hour&from=2026-05-15T08:30:00Z&to=2026-05-15T11:00:00Z`,
    );

    expect((response.body as { buckets: unknown[] }).buckets).toEqual([
      { start: "2026-05-15T08:00:00.000000Z", clicks: 0 },
      { start: "2026-05-15T09:00:00.000000Z", clicks: 0 },
      { start: "2026-05-15T10:00:00.000000Z", clicks: 1 },
    ]);
  });

  it("rejects too many buckets", async () => {
    const response = await client.get(
      `${client.workspacePath}/timeseries?interval=minute&from=2026-01-01T00:00:00Z&to=2026-05-01T00:00:00Z`,
    );

    expect(response.status).toBe(400);
    expect(errorOf(response.body).error).toContain("at most 50000");
  });

  it("orders countries by clicks", async () => {
    for (let index = 0; index < 40; index++) {
      recordClick(T0 - 60_000 + index, 0);
    }
    await sim.scheduler.runUntil(T0);

    const response = await client.get(`${client.workspacePath}/breakdown/country`);
    const countries = (response.body as { countries: { clicks: number }[] }).countries;

    expect(countries.map((country) => country.clicks)).toEqual(
      countries.map((country) => country.clicks).sort((a, b) => b - a),
    );
    expect(countries.reduce((sum, country) => sum + country.clicks, 0)).toBe(40);
  });
});
