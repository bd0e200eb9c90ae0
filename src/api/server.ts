import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import type { Simulation } from "../core/simulation.js";
import { registerApiFaults } from "../faults/api-fault-hook.js";
import { ApiFaultPlan } from "../faults/api-fault-plan.js";
import { formatTimestampMs } from "../model/click.js";
import { ApiError, type ApiErrorBody } from "./api-error.js";
import { authenticate } from "./auth.js";
import { registerOpenApi } from "./openapi.js";
import { createRateLimit, type RateLimitOptions } from "./rate-limit-hook.js";
import {
  defineLazyQuery,
  definePackedClickIds,
  type RequestLogDetails,
  type RequestLogEntry,
} from "./request-log.js";
import { registerAnalyticsRoutes } from "./routes/analytics.js";
import { type ControlOptions, registerControlRoutes } from "./routes/control.js";
import { registerDeliveryRoutes } from "./routes/deliveries.js";
import { type EdgeOptions, registerEdgeRoutes } from "./routes/edge.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Details of what the handler served, merged into the request log entry. */
    logDetails: RequestLogDetails | null;
    /** Simulated epoch milliseconds at which the request arrived. */
    receivedAtMs: number;
  }
}

/** Header carrying the simulated time of every response, so pollers can compute `to=now`. */
export const HEADER_SIM_NOW = "x-sim-now";

export interface ServerOptions {
  /** pino level for request and error logs. Default: `warn`. */
  logLevel?: string;
  /** Rate limiting of `/v1/` requests. Default: per workspace, sized by the workspace's plan. */
  rateLimit?: RateLimitOptions;
  /** API faults to apply to `/v1/analytics/` routes. Default: an empty plan the control API can fill. */
  apiFaults?: ApiFaultPlan;
  /** The edge redirect `GET /r/:slug`. */
  edge?: EdgeOptions;
  /** The control API under `/_sim/`; `false` leaves it out. Default: loopback clients only. */
  control?: ControlOptions | false;
}

/** Builds the fake Elido HTTP API around a simulation. Call `listen` on the result. */
export function buildServer(sim: Simulation, options: ServerOptions = {}): FastifyInstance {
  let requestCounter = 0;
  const app = Fastify({
    logger: { level: options.logLevel ?? "warn" },
    genReqId: () => `req_${(++requestCounter).toString(36).padStart(8, "0")}`,
    // Validation errors carry every problem, not only the first. Fastify's defaults would drop
    // unknown properties and coerce types, so a wrong request would pass as a different one.
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
    // A malformed URL (bad percent-encoding, an over-long path parameter) gets the same error
    // body as every other 4xx.
    frameworkErrors: (error, request, reply) => {
      const body: ApiErrorBody = {
        error: error.message,
        code: "validation_failed",
        request_id: request.id,
      };
      // The generic reply type of this option admits no status or body; it is a plain reply.
      (reply as FastifyReply)
        .code(error.statusCode ?? 400)
        .header("x-request-id", request.id)
        .header(HEADER_SIM_NOW, formatTimestampMs(sim.clock.now()))
        .send(body);
    },
  });

  // Route handlers put what they served into `request.logDetails`; the entry is written once
  // the response is sent, whatever its status. The `onRequest` hook below resets it.
  app.decorateRequest("logDetails", null);
  app.decorateRequest("receivedAtMs", 0);
  app.addHook("onResponse", (request, reply, done) => {
    const url = request.url;
    const queryStart = url.indexOf("?");
    const details = request.logDetails;
    const entry: Record<string, unknown> = {
      requestId: request.id,
      atMs: request.receivedAtMs,
      method: request.method,
      path: queryStart === -1 ? url : url.slice(0, queryStart),
      statusCode: reply.statusCode,
      latencyMs: reply.elapsedTime,
    };
    defineLazyQuery(entry, queryStart === -1 ? "" : url.slice(queryStart + 1));
    // A loop rather than an object rest pattern, which V8 copies through a slower runtime call.
    for (const key in details) {
      if (key !== "packedClickIds") {
        entry[key] = details[key as keyof RequestLogDetails];
      }
    }
    if (details?.packedClickIds !== undefined) {
      definePackedClickIds(entry, details.packedClickIds);
    }
    sim.requestLog.add(entry as unknown as RequestLogEntry);
    done();
  });

  // The header of the last millisecond is kept, because on a virtual clock every response of a
  // step carries the same millisecond and formatting a Date per response is wasted work.
  let simNowMs = Number.NaN;
  let simNowHeader = "";
  app.addHook("onSend", (request, reply, payload, done) => {
    const nowMs = sim.clock.now();
    if (nowMs !== simNowMs) {
      simNowMs = nowMs;
      simNowHeader = formatTimestampMs(nowMs);
    }
    reply.header("x-request-id", request.id);
    reply.header(HEADER_SIM_NOW, simNowHeader);
    done(null, payload);
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const { statusCode, apiError } = classifyError(error);
    if (statusCode >= 500) {
      request.log.error({ err: error }, "request failed");
    }
    const body: ApiErrorBody = {
      error: apiError.message,
      code: apiError.code,
      request_id: request.id,
    };
    return reply.code(statusCode).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ApiErrorBody = {
      error: `No route for ${request.method} ${request.url.split("?")[0]}.`,
      code: "not_found",
      request_id: request.id,
    };
    return reply.code(404).send(body);
  });

  // Rate limiting reads the key that authentication accepted, and API faults replace the
  // rate-limit headers of a forced 429, so the steps run in this order.
  const rateLimit = createRateLimit(sim, options.rateLimit);
  const apiFaults =
    options.apiFaults ??
    new ApiFaultPlan({
      scheduler: sim.scheduler,
      random: sim.random.fork("api-faults"),
      ingestion: sim,
      timeline: sim.dispatcher.timeline,
    });
  const applyApiFaults = registerApiFaults(app, sim, apiFaults, rateLimit?.limiter);

  // One hook in fastify's callback form runs every step, because each async hook costs a
  // promise per request. A step that sends a response returns without calling `done`, which
  // ends the hook chain. Authentication comes before validation, so a request without a key
  // gets a 401 even when its body is also invalid, as on the real service. `authenticate`
  // throws, and fastify sends the thrown error.
  app.addHook("onRequest", (request, reply, done) => {
    request.receivedAtMs = sim.clock.now();
    request.logDetails = {};
    if (!request.url.startsWith("/v1/")) {
      done();
      return;
    }
    authenticate(request, sim.workspace);
    if (rateLimit?.take(request, reply) === true) {
      return;
    }
    applyApiFaults(request, reply, done);
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  // The edge and the control API are registered before the OpenAPI plugin, so they stay out of
  // the Elido API's document.
  registerEdgeRoutes(app, sim, options.edge);
  if (options.control !== false) {
    registerControlRoutes(app, sim, apiFaults, options.control);
  }
  // Routes inside this plugin appear in /openapi.json; see registerOpenApi.
  registerOpenApi(app);
  app.register(async (routes) => {
    registerWebhookRoutes(routes, sim);
    registerDeliveryRoutes(routes, sim);
    registerAnalyticsRoutes(routes, sim);
  });
  return app;
}

function classifyError(error: FastifyError | ApiError): { statusCode: number; apiError: ApiError } {
  if (error instanceof ApiError) {
    return { statusCode: error.statusCode, apiError: error };
  }
  if (error.validation !== undefined) {
    return {
      statusCode: 400,
      apiError: new ApiError("validation_failed", `Invalid request: ${error.message}.`),
    };
  }
  const status = error.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    // Malformed JSON, an unsupported content type, a body too large: the client's request is
    // at fault, so the status stays a 4xx and the message names the problem.
    return { statusCode: status, apiError: new ApiError("validation_failed", error.message) };
  }
  return {
    statusCode: 500,
    apiError: new ApiError("internal_error", "Internal error in the simulator."),
  };
}
