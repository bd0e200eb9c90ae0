import type { FastifyReply, FastifyRequest } from "fastify";
import type { Simulation } from "../core/simulation.js";
import { type RateLimitDecision, RateLimiter, type RateLimitScope } from "./rate-limit.js";

export interface RateLimitOptions {
  /** `workspace` (default) or `key`, the per-key variant with Business at 1000/min. */
  readonly scope?: RateLimitScope;
  /** False turns rate limiting off, headers included. Default: true. */
  readonly enabled?: boolean;
}

/** The 429 body Elido documents, with `code` and `request_id` so that it is also an error envelope. */
export interface RateLimitedBody {
  error: "rate_limited";
  code: "rate_limited";
  message: string;
  retry_after_seconds: number;
  request_id: string;
}

/** The rate limit of one server: its buckets and the step the server's `onRequest` hook runs. */
export interface RateLimit {
  readonly limiter: RateLimiter;
  /**
   * Takes one token for an authenticated `/v1/` request and sets the rate-limit headers.
   * Returns true when the bucket was empty and a 429 has been sent.
   */
  take(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * Creates the rate limit of every authenticated `/v1/` request: one token per request from the
 * bucket of the request's workspace (or key), rate-limit headers on every response, and a 429
 * once the bucket is empty. The server runs `take` after authentication, because it reads the
 * key that authentication accepted. Requests rejected with 401 carry no rate-limit headers,
 * since they belong to no bucket. Returns undefined when `options.enabled` is false.
 */
export function createRateLimit(
  sim: Simulation,
  options: RateLimitOptions = {},
): RateLimit | undefined {
  if (options.enabled === false) {
    return undefined;
  }
  const limiter = new RateLimiter(options.scope ?? "workspace", sim.workspace.plan);
  return {
    limiter,
    take(request, reply) {
      const bucket = limiter.bucket(
        scopeKey(limiter.scope, request, sim.workspace.id),
        sim.clock.now(),
      );
      const decision = bucket.take(sim.clock.now());
      setRateLimitHeaders(reply, decision);
      if (!decision.allowed) {
        sendRateLimited(request, reply, decision, limiter.scope);
        return true;
      }
      return false;
    },
  };
}

export function setRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  reply.header("x-ratelimit-limit", String(decision.limit));
  reply.header("x-ratelimit-remaining", String(decision.remaining));
  reply.header("x-ratelimit-reset", String(decision.resetUnixSeconds));
}

/**
 * Sends a 429 with `Retry-After`, `X-RateLimit-Scope` and the documented body. Injected 429
 * faults use it too, so that a client cannot distinguish them from an empty bucket.
 */
export function sendRateLimited(
  request: FastifyRequest,
  reply: FastifyReply,
  decision: RateLimitDecision,
  scope: RateLimitScope,
): FastifyReply {
  const seconds = decision.retryAfterSeconds;
  if (request.logDetails !== null) {
    request.logDetails.retryAfterSeconds = seconds;
  }
  const body: RateLimitedBody = {
    error: "rate_limited",
    code: "rate_limited",
    message:
      `Too many requests for this ${scope}: the limit is ${decision.perMinute} per minute ` +
      `with bursts of ${decision.limit}. Retry after ${seconds} s.`,
    retry_after_seconds: seconds,
    request_id: request.id,
  };
  return reply
    .code(429)
    .header("retry-after", String(seconds))
    .header("x-ratelimit-scope", scope)
    .send(body);
}

function scopeKey(scope: RateLimitScope, request: FastifyRequest, workspaceId: number): string {
  if (scope === "workspace") {
    return `workspace:${workspaceId}`;
  }
  // Authentication has accepted this header, so it has the `Bearer <key>` form.
  const key = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1] ?? "";
  return `key:${key}`;
}
