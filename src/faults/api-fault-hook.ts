import type { AddressInfo } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiErrorBody, ApiErrorCode } from "../api/api-error.js";
import { BURST_WINDOW_MS, RATE_LIMIT_PER_MINUTE, type RateLimiter } from "../api/rate-limit.js";
import { sendRateLimited, setRateLimitHeaders } from "../api/rate-limit-hook.js";
import type { TimerHandle } from "../clock/clock.js";
import type { Simulation } from "../core/simulation.js";
import type { ApiFault, ApiFaultPlan, OutageFault } from "./api-fault-plan.js";

const SERVER_ERROR_CODES: Record<500 | 502 | 503, ApiErrorCode> = {
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
};

/**
 * The step of the server's `onRequest` hook that applies API faults, in fastify's callback form:
 * it calls `done` when the request goes on to its route, or sends the fault's response (or
 * resets the connection) and does not call `done`.
 */
export type ApiFaultStep = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void,
) => void;

/**
 * Applies `plan` to the server's `/v1/` requests through the returned step, which the server
 * runs after the rate limit, so that a forced 429 replaces the bucket's headers rather than
 * being replaced by them. The order within one request: latency first (the response is held
 * back), then an outage, a 5xx or a forced 429, whichever is active, in that order.
 */
export function registerApiFaults(
  app: FastifyInstance,
  sim: Simulation,
  plan: ApiFaultPlan,
  limiter?: RateLimiter,
): ApiFaultStep {
  const pendingDelays = new Map<TimerHandle, () => void>();
  let closing = false;

  plan.onEdge(async (fault, phase) => {
    if (fault.kind === "outage" && fault.response === "refuse" && !closing) {
      await (phase === "start" ? stopListening(app) : resumeListening(app));
    }
  });

  app.addHook("preClose", async () => {
    closing = true;
    // A response held back on a virtual clock would otherwise keep the server from closing.
    for (const [handle, release] of pendingDelays) {
      sim.scheduler.cancel(handle);
      release();
    }
    pendingDelays.clear();
    await resumeListening(app);
  });

  // Returns true when a fault's response has been sent or the connection reset.
  const sendActiveFault = (request: FastifyRequest, reply: FastifyReply, path: string): boolean => {
    const nowMs = sim.clock.now();
    const outage = plan.active("outage", path, nowMs).find((fault) => fault.response !== "refuse");
    if (outage !== undefined) {
      markFault(request, outage);
      sendOutage(request, reply, outage, nowMs);
      return true;
    }

    const serverError = plan.active("server_error", path, nowMs).find((fault) => plan.draw(fault));
    if (serverError !== undefined) {
      markFault(request, serverError);
      if (serverError.status === 503) {
        setRetryAfter(request, reply, secondsUntil(serverError.endMs, nowMs));
      }
      sendEnvelope(request, reply, serverError.status, `Injected ${serverError.status}.`);
      return true;
    }

    const rateLimit = plan.active("rate_limit", path, nowMs).find((fault) => plan.draw(fault));
    if (rateLimit !== undefined) {
      markFault(request, rateLimit);
      const forced = (rateLimit.probability ?? 1) >= 1;
      const retryAfterSeconds = forced
        ? secondsUntil(rateLimit.endMs, nowMs)
        : (rateLimit.retryAfterSeconds ?? 1);
      const perMinute = limiter?.perMinute ?? RATE_LIMIT_PER_MINUTE.workspace[sim.workspace.plan];
      const decision = {
        allowed: false,
        perMinute,
        limit: Math.floor((perMinute * BURST_WINDOW_MS) / 60_000),
        remaining: 0,
        resetUnixSeconds: Math.ceil(nowMs / 1_000) + retryAfterSeconds,
        retryAfterSeconds,
      };
      setRateLimitHeaders(reply, decision);
      sendRateLimited(request, reply, decision, limiter?.scope ?? "workspace");
      return true;
    }
    return false;
  };

  return (request, reply, done) => {
    // No fault was ever added: the common case, which then costs no path split or filtering.
    if (plan.all().length === 0) {
      done();
      return;
    }
    const path = request.url.split("?", 1)[0] as string;
    const latency = plan.active("latency", path, sim.clock.now());
    const latencyMs = latency.reduce((sum, fault) => sum + fault.latencyMs, 0);
    if (latencyMs <= 0) {
      if (!sendActiveFault(request, reply, path)) {
        done();
      }
      return;
    }

    markFault(request, latency[0] as ApiFault);
    // A scheduler timer, so the delay is simulated time: latency / speed of real time on a
    // scaled clock, and on a virtual clock until the clock is advanced past it. Other
    // requests are not held up meanwhile.
    const held = new Promise<void>((resolve) => {
      const handle = sim.scheduler.after(latencyMs, () => {
        pendingDelays.delete(handle);
        resolve();
      });
      pendingDelays.set(handle, resolve);
    });
    held.then(() => {
      if (closing) {
        done();
        return;
      }
      let sent: boolean;
      try {
        sent = sendActiveFault(request, reply, path);
      } catch (error) {
        done(error as Error);
        return;
      }
      if (!sent) {
        done();
      }
    });
  };
}

function markFault(request: FastifyRequest, fault: ApiFault): void {
  if (request.logDetails !== null) {
    request.logDetails.fault = fault.name;
  }
}

function sendOutage(
  request: FastifyRequest,
  reply: FastifyReply,
  fault: OutageFault,
  nowMs: number,
): FastifyReply | undefined {
  if (fault.response === "reset") {
    // No status line at all: the client sees the connection reset, as with a crashed server.
    reply.hijack();
    request.raw.socket.destroy();
    return undefined;
  }
  setRetryAfter(request, reply, secondsUntil(fault.endMs, nowMs));
  return sendEnvelope(request, reply, 503, "Service unavailable (injected outage).");
}

function sendEnvelope(
  request: FastifyRequest,
  reply: FastifyReply,
  status: 500 | 502 | 503,
  message: string,
): FastifyReply {
  const body: ApiErrorBody = {
    error: message,
    code: SERVER_ERROR_CODES[status],
    request_id: request.id,
  };
  return reply.code(status).send(body);
}

function setRetryAfter(request: FastifyRequest, reply: FastifyReply, seconds: number): void {
  reply.header("retry-after", String(seconds));
  if (request.logDetails !== null) {
    request.logDetails.retryAfterSeconds = seconds;
  }
}

/** Whole seconds from `nowMs` to `endMs`, rounded up, so that waiting them reaches the end. */
function secondsUntil(endMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((endMs - nowMs) / 1_000));
}

// The address the listener had before a `refuse` outage closed it, per server.
const closedAddresses = new WeakMap<FastifyInstance, AddressInfo>();

async function stopListening(app: FastifyInstance): Promise<void> {
  const server = app.server;
  const address = server.address();
  if (!server.listening || address === null || typeof address === "string") {
    return;
  }
  closedAddresses.set(app, address);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Open keep-alive connections would otherwise still reach the server.
    server.closeAllConnections();
  });
  app.log.info({ port: address.port }, "listener closed for outage");
}

async function resumeListening(app: FastifyInstance): Promise<void> {
  const address = closedAddresses.get(app);
  if (address === undefined) {
    return;
  }
  closedAddresses.delete(app);
  await new Promise<void>((resolve, reject) => {
    app.server.once("error", reject);
    app.server.listen(address.port, address.address, () => {
      app.server.off("error", reject);
      resolve();
    });
  });
  app.log.info({ port: address.port }, "listener reopened after outage");
}
