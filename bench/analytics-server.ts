/**
 * Child process of the analytics benchmark: a Simulation whose click store holds CLICKS clicks
 * over 30 days, its API server, and a bare fastify server with one route that returns a
 * prebuilt page of the same 100 click objects. Prints one JSON line with the ports and URLs,
 * then serves until the parent kills it. Everything listens on 127.0.0.1.
 */
import type { AddressInfo } from "node:net";
import Fastify from "fastify";
import { buildServer } from "../src/api/server.js";
import { VirtualClock } from "../src/clock/virtual-clock.js";
import { Simulation } from "../src/core/simulation.js";
import { formatTimestampUs } from "../src/model/click.js";
import { BENCH_END_US, BENCH_START_US, BENCH_WORKSPACE, fillStore } from "./store.js";

const clicks = Number(process.env.CLICKS ?? "1000000");
const sim = new Simulation({
  clock: new VirtualClock(Math.floor(BENCH_END_US / 1_000)),
  seed: 1,
  workspaceId: BENCH_WORKSPACE.id,
});
fillStore(sim.clickStore, clicks);

const window = `from=${formatTimestampUs(BENCH_START_US)}&to=${formatTimestampUs(BENCH_END_US)}`;
const page = sim.clickStore.page(BENCH_START_US, BENCH_END_US, null, null, 100);
const pageObjects = page.rows.map((row) => sim.clickStore.toClick(row));
const summary = sim.clickStore.totals(BENCH_START_US, BENCH_END_US);
const summaryObject = {
  from: formatTimestampUs(BENCH_START_US),
  to: formatTimestampUs(BENCH_END_US),
  clicks: summary.clicks,
  links: [...summary.links].map(([linkId, count]) => ({ link_id: linkId, clicks: count })),
};

// The benchmark measures the API, not the plan's rate limit, which would answer 429 at once.
const serverOptions = { rateLimit: { enabled: false } };
const api = buildServer(sim, serverOptions);
await api.listen({ host: "127.0.0.1", port: 0 });
const bare = Fastify();
bare.get("/page", async () => ({ items: pageObjects, next_cursor: "x".repeat(98) }));
bare.get("/summary", async () => summaryObject);
await bare.listen({ host: "127.0.0.1", port: 0 });

const apiBase = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
const bareBase = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
process.stdout.write(
  `${JSON.stringify({
    apiBase,
    bareBase,
    apiKey: sim.workspace.apiKeys[0],
    recentPath: `/v1/analytics/workspaces/${sim.workspace.id}/clicks/recent?${window}&limit=100`,
    summaryPath: `/v1/analytics/workspaces/${sim.workspace.id}/summary?${window}`,
  })}\n`,
);
