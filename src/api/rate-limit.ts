import type { Plan } from "../model/workspace.js";

/**
 * Scope of a rate-limit bucket. `workspace` is Elido's documented default; `key` is the
 * variant where each API key has its own bucket and Business gets 1000 requests per minute.
 */
export type RateLimitScope = "workspace" | "key";

/** Sustained requests per minute by plan, for each scope. */
export const RATE_LIMIT_PER_MINUTE: Readonly<
  Record<RateLimitScope, Readonly<Record<Plan, number>>>
> = Object.freeze({
  workspace: Object.freeze({ free: 60, pro: 600, business: 6_000 }),
  key: Object.freeze({ free: 60, pro: 600, business: 1_000 }),
});

/**
 * Elido documents "a burst of twice that over 10 s". The reading here: within any 10 s the
 * client may send twice the sustained share of 10 s. A bucket that holds C tokens and refills
 * at r per second allows at most C + 10 r requests in 10 s, so C + 10 r = 2 * 10 r gives
 * C = 10 r: the bucket holds 10 seconds of the sustained rate (free: 10, pro: 100, business: 1000).
 */
export const BURST_WINDOW_MS = 10_000;

const MS_PER_MINUTE = 60_000;

/** The state of one bucket after a request, in the units of the rate-limit headers. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Sustained requests per minute. */
  readonly perMinute: number;
  /** Whole requests the bucket holds when full: `X-RateLimit-Limit`. */
  readonly limit: number;
  /** Whole requests left after this one: `X-RateLimit-Remaining`. */
  readonly remaining: number;
  /** Unix seconds of simulated time at which the bucket is full again, rounded up: `X-RateLimit-Reset`. */
  readonly resetUnixSeconds: number;
  /** Whole seconds to wait before the next request is allowed, rounded up; 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/**
 * A token bucket on simulated time. Levels are kept as integers in token-milliseconds scaled by
 * the minute (one token is 60000 units, and each simulated millisecond adds `perMinute` units),
 * so refill is exact and a wait of `retryAfterSeconds` always yields a whole token.
 */
export class TokenBucket {
  readonly perMinute: number;
  readonly #capacityUnits: number;
  #levelUnits: number;
  #updatedAtMs: number;

  /**
   * @param perMinute sustained requests per minute, an integer > 0
   * @param nowMs simulated epoch milliseconds; the bucket starts full
   */
  constructor(perMinute: number, nowMs: number) {
    if (!Number.isInteger(perMinute) || perMinute <= 0) {
      throw new RangeError(`Invalid rate limit ${perMinute}/min: expected an integer > 0.`);
    }
    this.perMinute = perMinute;
    this.#capacityUnits = perMinute * BURST_WINDOW_MS;
    this.#levelUnits = this.#capacityUnits;
    this.#updatedAtMs = Math.floor(nowMs);
  }

  /** Whole requests a full bucket holds. */
  get capacity(): number {
    return Math.floor(this.#capacityUnits / MS_PER_MINUTE);
  }

  /** Takes one token if there is one, and returns the headers' view of the bucket. */
  take(nowMs: number): RateLimitDecision {
    this.#refill(nowMs);
    const allowed = this.#levelUnits >= MS_PER_MINUTE;
    if (allowed) {
      this.#levelUnits -= MS_PER_MINUTE;
    }
    return this.#decision(allowed);
  }

  /** Returns the headers' view of the bucket without taking a token. */
  peek(nowMs: number): RateLimitDecision {
    this.#refill(nowMs);
    return this.#decision(true);
  }

  /** Empties the bucket, for a forced 429 that should look like real exhaustion. */
  drain(nowMs: number): RateLimitDecision {
    this.#refill(nowMs);
    this.#levelUnits = 0;
    return this.#decision(false);
  }

  #refill(nowMs: number): void {
    const atMs = Math.floor(nowMs);
    if (atMs > this.#updatedAtMs) {
      const added = (atMs - this.#updatedAtMs) * this.perMinute;
      this.#levelUnits = Math.min(this.#capacityUnits, this.#levelUnits + added);
      this.#updatedAtMs = atMs;
    }
  }

  #decision(allowed: boolean): RateLimitDecision {
    const nowMs = this.#updatedAtMs;
    const untilFullMs = Math.ceil((this.#capacityUnits - this.#levelUnits) / this.perMinute);
    const missingUnits = Math.max(0, MS_PER_MINUTE - this.#levelUnits);
    const untilTokenMs = Math.ceil(missingUnits / this.perMinute);
    return {
      allowed,
      perMinute: this.perMinute,
      limit: this.capacity,
      remaining: Math.floor(this.#levelUnits / MS_PER_MINUTE),
      resetUnixSeconds: Math.ceil((nowMs + untilFullMs) / 1_000),
      retryAfterSeconds: allowed ? 0 : Math.ceil(untilTokenMs / 1_000),
    };
  }
}

/** Buckets by scope key (`workspace:4123` or `key:elido_sk_...`), created full on first use. */
export class RateLimiter {
  readonly scope: RateLimitScope;
  readonly perMinute: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(scope: RateLimitScope, plan: Plan) {
    this.scope = scope;
    this.perMinute = RATE_LIMIT_PER_MINUTE[scope][plan];
  }

  bucket(scopeKey: string, nowMs: number): TokenBucket {
    let bucket = this.#buckets.get(scopeKey);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.perMinute, nowMs);
      this.#buckets.set(scopeKey, bucket);
    }
    return bucket;
  }
}
