import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { CursorCodec } from "../cursor.js";
import { registerAggregateRoutes } from "./analytics-aggregates.js";
import { registerRecentRoute } from "./analytics-recent.js";

/**
 * Registers the analytics API: `clicks/recent`, `summary`, `timeseries` and
 * `breakdown/country`. The server's hook has authenticated the key. Every route serves only
 * the human clicks that ingestion has made visible.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, sim: Simulation): void {
  // The key derives from the seed, so a rerun of a seed accepts the cursors of the first run.
  const cursors = new CursorCodec(sim.random.fork("cursor-key").bytes(32));
  registerRecentRoute(app, sim, cursors);
  registerAggregateRoutes(app, sim);
}
