/**
 * Scores redirects that passed the bot list but look automated. Elido still counts such clicks
 * and flags them `suspected_bot: true`, so they reach analytics and webhooks like any other.
 */
export interface SuspicionOptions {
  /** Redirects from one client address allowed within `burstWindowMs`; more are suspected. Default: 10. */
  readonly burstLimit?: number;
  /** Sliding window of simulated milliseconds for the burst rule. Default: 10000. */
  readonly burstWindowMs?: number;
}

export interface SuspicionInput {
  readonly userAgent: string;
  /** The `Accept-Language` header; `undefined` or empty when the client sent none. */
  readonly acceptLanguage: string | undefined;
  /** Address the redirect came from, used to find bursts. */
  readonly clientAddress: string;
  /** Simulated epoch milliseconds of the redirect. */
  readonly atMs: number;
}

/** Reason to flag a click as a suspected bot. */
export type SuspicionReason = "headless-browser" | "missing-accept-language" | "burst";

// Automation frameworks and headless builds announce themselves in the User-Agent.
const HEADLESS_PATTERN = /headless|phantomjs|puppeteer|playwright|selenium|webdriver|slimerjs/i;

/** Keeps, per client address, the redirect times of the last burst window. */
export class SuspicionScorer {
  readonly #burstLimit: number;
  readonly #burstWindowMs: number;
  readonly #recent = new Map<string, number[]>();

  constructor(options: SuspicionOptions = {}) {
    this.#burstLimit = options.burstLimit ?? 10;
    this.#burstWindowMs = options.burstWindowMs ?? 10_000;
  }

  /** Records the redirect and returns the reasons to suspect it, in a fixed order. */
  score(input: SuspicionInput): SuspicionReason[] {
    const reasons: SuspicionReason[] = [];
    if (HEADLESS_PATTERN.test(input.userAgent)) {
      reasons.push("headless-browser");
    }
    if (input.acceptLanguage === undefined || input.acceptLanguage.trim() === "") {
      reasons.push("missing-accept-language");
    }
    if (this.#recordAndCount(input.clientAddress, input.atMs) > this.#burstLimit) {
      reasons.push("burst");
    }
    return reasons;
  }

  /** Adds a redirect at `atMs` and returns how many fall within the window ending at `atMs`. */
  #recordAndCount(clientAddress: string, atMs: number): number {
    const windowStartMs = atMs - this.#burstWindowMs;
    const recent = (this.#recent.get(clientAddress) ?? []).filter(
      (timeMs) => timeMs > windowStartMs,
    );
    recent.push(atMs);
    this.#recent.set(clientAddress, recent);
    return recent.length;
  }
}
