import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { formatTimestampMs } from "../../model/click.js";
import { ApiError } from "../api-error.js";

type Query = Record<string, string | undefined>;

/**
 * `GET /_sim/ground-truth`, `GET /_sim/requests` and `GET /_sim/deliveries`: what the
 * simulator did, for tests and people watching a `serve` session. Lists are paged by
 * `offset` and `limit` (1 to 1000, default 100) in the order things happened.
 */
export function registerControlLogRoutes(app: FastifyInstance, sim: Simulation): void {
  app.get<{ Querystring: Query }>("/_sim/ground-truth", async (request) => {
    const query = request.query;
    rejectUnknown(query, ["offset", "limit", "bot"]);
    const page = parsePage(query);
    const bot = parseBoolean("bot", query.bot);
    const all = sim.groundTruth.all();
    const matching = bot === undefined ? all : all.filter((recorded) => recorded.bot === bot);
    return {
      total: matching.length,
      offset: page.offset,
      items: matching.slice(page.offset, page.offset + page.limit).map((recorded) => ({
        ...recorded.click,
        bot: recorded.bot,
        // Bot clicks never become visible, which `null` marks.
        visible_at:
          recorded.bot || !Number.isFinite(recorded.visibleAtMs)
            ? null
            : formatTimestampMs(recorded.visibleAtMs),
      })),
    };
  });

  app.get<{ Querystring: Query }>("/_sim/requests", async (request) => {
    const query = request.query;
    rejectUnknown(query, ["offset", "limit", "path", "status"]);
    const page = parsePage(query);
    const status = parseInteger("status", query.status, 100, 599);
    const prefix = query.path;
    const matching = sim.requestLog
      .all()
      .filter(
        (entry) =>
          (prefix === undefined || entry.path.startsWith(prefix)) &&
          (status === undefined || entry.statusCode === status),
      );
    return {
      total: matching.length,
      offset: page.offset,
      items: matching.slice(page.offset, page.offset + page.limit).map((entry) => ({
        request_id: entry.requestId,
        at: formatTimestampMs(entry.atMs),
        method: entry.method,
        path: entry.path,
        query: entry.query,
        status: entry.statusCode,
        ...(entry.fault === undefined ? {} : { fault: entry.fault }),
        ...(entry.retryAfterSeconds === undefined
          ? {}
          : { retry_after_seconds: entry.retryAfterSeconds }),
        latency_ms: entry.latencyMs,
      })),
    };
  });

  app.get("/_sim/deliveries", async () => {
    const deliveries = sim.deliveryLog.all();
    const byStatus = { pending: 0, succeeded: 0, failed: 0 };
    let attempts = 0;
    let failedAttempts = 0;
    for (const delivery of deliveries) {
      byStatus[delivery.status]++;
      attempts += delivery.attempts.length;
      failedAttempts += delivery.attempts.filter((attempt) => attempt.outcome !== "success").length;
    }
    return {
      deliveries: deliveries.length,
      by_status: byStatus,
      attempts,
      failed_attempts: failedAttempts,
      notifications: sim.deliveryLog.notifications().length,
    };
  });
}

function rejectUnknown(query: Query, accepted: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!accepted.includes(name)) {
      throw new ApiError(
        "validation_failed",
        `Unknown query parameter "${name}": accepted parameters are ${accepted.join(", ")}.`,
      );
    }
  }
}

function parsePage(query: Query): { offset: number; limit: number } {
  return {
    offset: parseInteger("offset", query.offset, 0, Number.MAX_SAFE_INTEGER) ?? 0,
    limit: parseInteger("limit", query.limit, 1, 1_000) ?? 100,
  };
}

function parseInteger(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const number = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw new ApiError(
      "validation_failed",
      `Invalid query parameter ${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

function parseBoolean(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value !== "true" && value !== "false") {
    throw new ApiError(
      "validation_failed",
      `Invalid query parameter ${name}: expected true or false, got ${JSON.stringify(value)}.`,
    );
  }
  return value === "true";
}
