import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import type { Click } from "../../src/model/click.js";
import type { Link } from "../../src/model/workspace.js";
import { SEGMENT_ROWS } from "../../src/store/click-json-cache.js";
import { type AnalyticsClient, startAnalyticsClient } from "./analytics-client.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const QUERY = "from=2026-05-15T09:00:00Z&to=2026-05-15T10:00:00Z";

let sim: Simulation;
let client: AnalyticsClient;

beforeEach(async () => {
  sim = new Simulation({ clock: new VirtualClock(T0), seed: 5 });
  client = await startAnalyticsClient(sim);
});

afterEach(async () => {
  await client.close();
  await sim.close();
});

/** Stores a human click of link `linkIndex` that becomes visible `lagMs` after it occurred. */
function recordClick(occurredAtMs: number, lagMs: number, linkIndex: number): Click {
  const link = sim.workspace.links[linkIndex] as Link;
  const click = sim.createDetachedClick(link, occurredAtMs * 1_000);
  const row = sim.clickStore.append(click, occurredAtMs * 1_000);
  sim.scheduler.at(occurredAtMs + lagMs, () => sim.clickStore.markVisible(row));
  return click;
}

/** Follows every cursor of the window and returns the items as parsed JSON. */
async function readWindow(query: string, limit: number): Promise<Click[]> {
  const items: Click[] = [];
  let path = `${client.workspacePath}/clicks/recent?${query}&limit=${limit}`;
  for (let pages = 0; pages < 1_000; pages++) {
    const response = await client.get(path);
    expect(response.status).toBe(200);
    const body = response.body as { items: Click[]; next_cursor: string | null };
    items.push(...body.items);
    if (body.next_cursor === null) {
      return items;
    }
    path = `${client.workspacePath}/clicks/recent?cursor=${body.next_cursor}&limit=${limit}`;
  }
  throw new Error("The window did not end within 1,000 pages.");
}

describe("clicks/recent with cached click JSON", () => {
  it("lists late clicks in a re-read of a cached hour", async () => {
    const clicks = Array.from({ length: 3 * SEGMENT_ROWS }, (_, index) =>
      recordClick(T0 + index * 1_000, index % 97 === 5 ? 3_600_000 : 0, index % 3),
    );
    const late = clicks.filter((_, index) => index % 97 === 5);
    await sim.scheduler.runUntil(T0 + 3_000_000);

    const first = await readWindow(QUERY, 100);
    expect(first).toHaveLength(clicks.length - late.length);
    expect(first.map((click) => click.click_id)).not.toContain(late[0]?.click_id);

    await sim.scheduler.runUntil(T0 + 8_000_000);
    const reread = await readWindow(QUERY, 100);

    expect(reread).toEqual(clicks);
  });

  it("serves a link's clicks from the same cache", async () => {
    const clicks = Array.from({ length: 2 * SEGMENT_ROWS }, (_, index) =>
      recordClick(T0 + index * 1_000, 0, index % 3),
    );
    await sim.scheduler.runUntil(T0 + 3_000_000);
    await readWindow(QUERY, 100);
    const link = sim.workspace.links[1] as Link;

    const filtered = await readWindow(`${QUERY}&link_id=${link.link_id}`, 30);

    expect(filtered).toEqual(clicks.filter((click) => click.link_id === link.link_id));
  });

  it("logs the click ids each page served", async () => {
    const clicks = Array.from({ length: 250 }, (_, index) =>
      recordClick(T0 + index * 1_000, 0, index % 3),
    );
    await sim.scheduler.runUntil(T0 + 3_000_000);

    await readWindow(QUERY, 100);
    const logged = sim.requestLog.all().flatMap((entry) => entry.clickIds ?? []);

    expect(logged).toEqual(clicks.map((click) => click.click_id));
  });
});
