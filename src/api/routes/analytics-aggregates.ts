import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { formatTimestampUs } from "../../model/click.js";
import { ApiError } from "../api-error.js";
import { type QueryParameterName, querySchema, resolveWindow } from "../query.js";
import { ANALYTICS_PREFIX, checkAnalyticsRequest, nowUs } from "./analytics-common.js";
import {
  CountryBreakdownSchema,
  ERROR_RESPONSES,
  SummarySchema,
  TimeseriesSchema,
  WorkspaceParams,
} from "./analytics-schemas.js";

type Interval = "day" | "hour" | "minute";

const INTERVAL_US: Readonly<Record<Interval, number>> = {
  minute: 60_000_000,
  hour: 3_600_000_000,
  day: 86_400_000_000,
};

/** Maximum buckets of one timeseries response: 30 days of minutes fit. */
export const MAX_TIMESERIES_BUCKETS = 50_000;

const WINDOW_PARAMETERS: readonly QueryParameterName[] = ["from", "to"];
const TIMESERIES_PARAMETERS: readonly QueryParameterName[] = ["from", "to", "interval"];

/**
 * `summary`, `timeseries` and `breakdown/country`. Each answers from the click store's
 * minute, hour and day counters, so a request costs its number of buckets, and its counts
 * agree exactly with what `clicks/recent` lists for the same window.
 */
export function registerAggregateRoutes(app: FastifyInstance, sim: Simulation): void {
  app.get(
    `${ANALYTICS_PREFIX}/summary`,
    {
      attachValidation: true,
      schema: {
        summary: "Count clicks of a window, in total and per link",
        tags: ["analytics"],
        params: WorkspaceParams,
        querystring: querySchema(WINDOW_PARAMETERS),
        response: { 200: SummarySchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkAnalyticsRequest(request, sim, WINDOW_PARAMETERS);
      const window = resolveWindow(request.query as { from?: string; to?: string }, nowUs(sim));
      const totals = sim.clickStore.totals(window.fromUs, window.toUs);
      const linkIds = new Set([
        ...sim.workspace.links.map((link) => link.link_id),
        ...totals.links.keys(),
      ]);
      return {
        from: formatTimestampUs(window.fromUs),
        to: formatTimestampUs(window.toUs),
        clicks: totals.clicks,
        links: [...linkIds]
          .sort((a, b) => a - b)
          .map((linkId) => ({ link_id: linkId, clicks: totals.links.get(linkId) ?? 0 })),
      };
    },
  );

  app.get(
    `${ANALYTICS_PREFIX}/timeseries`,
    {
      attachValidation: true,
      schema: {
        summary: "Count clicks of a window per UTC day, hour or minute",
        description:
          "Buckets are aligned to UTC. The first and last bucket count only the part inside the window.",
        tags: ["analytics"],
        params: WorkspaceParams,
        querystring: querySchema(TIMESERIES_PARAMETERS),
        response: { 200: TimeseriesSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkAnalyticsRequest(request, sim, TIMESERIES_PARAMETERS);
      const query = request.query as { from?: string; to?: string; interval?: Interval };
      const window = resolveWindow(query, nowUs(sim));
      const interval = query.interval ?? "day";
      const sizeUs = INTERVAL_US[interval];
      const firstStartUs = Math.floor(window.fromUs / sizeUs) * sizeUs;
      const bucketCount = Math.ceil((window.toUs - firstStartUs) / sizeUs);
      if (bucketCount > MAX_TIMESERIES_BUCKETS) {
        throw new ApiError(
          "validation_failed",
          `Invalid window for interval ${interval}: it spans ${bucketCount} buckets, at most ${MAX_TIMESERIES_BUCKETS} are allowed. ` +
            "Send a shorter window or a longer interval.",
        );
      }

      const buckets: { start: string; clicks: number }[] = [];
      let clicks = 0;
      for (let startUs = firstStartUs; startUs < window.toUs; startUs += sizeUs) {
        const count = sim.clickStore.count(
          Math.max(startUs, window.fromUs),
          Math.min(startUs + sizeUs, window.toUs),
        );
        clicks += count;
        buckets.push({ start: formatTimestampUs(startUs), clicks: count });
      }
      return {
        from: formatTimestampUs(window.fromUs),
        to: formatTimestampUs(window.toUs),
        clicks,
        interval,
        buckets,
      };
    },
  );

  app.get(
    `${ANALYTICS_PREFIX}/breakdown/country`,
    {
      attachValidation: true,
      schema: {
        summary: "Count clicks of a window per country",
        tags: ["analytics"],
        params: WorkspaceParams,
        querystring: querySchema(WINDOW_PARAMETERS),
        response: { 200: CountryBreakdownSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkAnalyticsRequest(request, sim, WINDOW_PARAMETERS);
      const window = resolveWindow(request.query as { from?: string; to?: string }, nowUs(sim));
      const totals = sim.clickStore.totals(window.fromUs, window.toUs);
      return {
        from: formatTimestampUs(window.fromUs),
        to: formatTimestampUs(window.toUs),
        clicks: totals.clicks,
        countries: [...totals.countries]
          .map(([countryCode, clicks]) => ({ country_code: countryCode, clicks }))
          .sort(byClicksThenCountry),
      };
    },
  );
}

/** Most clicks first; ties by country code, with the null country last. */
function byClicksThenCountry(
  a: { country_code: string | null; clicks: number },
  b: { country_code: string | null; clicks: number },
): number {
  if (a.clicks !== b.clicks) {
    return b.clicks - a.clicks;
  }
  if (a.country_code === b.country_code) {
    return 0;
  }
  if (a.country_code === null) {
    return 1;
  }
  if (b.country_code === null) {
    return -1;
  }
  return a.country_code < b.country_code ? -1 : 1;
}
