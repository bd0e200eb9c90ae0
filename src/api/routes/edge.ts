import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { matchBot } from "../../traffic/bot-filter.js";
import { type SuspicionOptions, SuspicionScorer } from "../../traffic/suspicion.js";
import { ApiError } from "../api-error.js";
import { buildEdgeClick } from "./edge-click.js";

/** Header carrying the id of the click a redirect recorded. */
export const HEADER_CLICK_ID = "x-elido-click-id";

export interface EdgeOptions {
  readonly suspicion?: SuspicionOptions;
}

/**
 * `GET /r/:slug`: the edge redirect, without authentication. Every redirect returns 302 and
 * enters the ground truth. A User-Agent on the bot list stops there, flagged `bot: true`; any
 * other click goes through ingestion like generated traffic, flagged `suspected_bot` when the
 * suspicion scorer finds a reason.
 */
export function registerEdgeRoutes(
  app: FastifyInstance,
  sim: Simulation,
  options: EdgeOptions = {},
): void {
  // Click ids and fallback countries come from their own stream, so redirects do not shift
  // the generated traffic of the same seed.
  const random = sim.random.fork("edge");
  const scorer = new SuspicionScorer(options.suspicion);

  app.get<{ Params: { slug: string } }>("/r/:slug", async (request, reply) => {
    const link = sim.workspace.links.find((candidate) => candidate.slug === request.params.slug);
    if (link === undefined) {
      throw new ApiError("not_found", `Short link "${request.params.slug}" not found.`);
    }

    const atMs = sim.clock.now();
    const occurredAtUs = Math.floor(atMs * 1_000);
    const userAgent = request.headers["user-agent"] ?? "";
    const acceptLanguage = request.headers["accept-language"];
    const [, search = ""] = request.url.split("?", 2);
    const click = buildEdgeClick(
      sim.workspace,
      link,
      {
        userAgent,
        acceptLanguage,
        referer: request.headers.referer,
        query: new URLSearchParams(search),
      },
      occurredAtUs,
      random,
    );

    const bot = matchBot(userAgent);
    if (bot !== undefined) {
      // Filtered before ingestion, so only the ground truth records it.
      sim.recordBotClick(click, occurredAtUs);
      request.log.debug({ clickId: click.click_id, bot: bot.name }, "bot redirect filtered");
    } else {
      const reasons = scorer.score({
        userAgent,
        acceptLanguage,
        clientAddress: clientAddress(request),
        atMs,
      });
      click.suspected_bot = reasons.length > 0;
      sim.recordHumanClick(click, occurredAtUs);
    }

    reply.header(HEADER_CLICK_ID, click.click_id);
    reply.header("cache-control", "no-store");
    return reply.redirect(link.destination, 302);
  });
}

/**
 * Returns the client's address: the first `X-Forwarded-For` entry when present, so a load
 * generator on loopback can play many clients, otherwise the socket's peer address.
 */
function clientAddress(request: FastifyRequest): string {
  const forwarded = request.headers["x-forwarded-for"];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
  return first === undefined || first === "" ? request.ip : first;
}
