import { describe, expect, it } from "vitest";
import {
  BLOG_RETRY_POLICY,
  nextRetryDelayMs,
  retryWindowMs,
} from "../../src/webhooks/retry-policy.js";

describe("RetryPolicy", () => {
  it("retries after 1, 5 and 15 minutes by default", () => {
    expect([1, 2, 3].map((attempt) => nextRetryDelayMs(BLOG_RETRY_POLICY, attempt))).toEqual([
      60_000, 300_000, 900_000,
    ]);
  });

  it("gives up after the fourth failed attempt", () => {
    expect(nextRetryDelayMs(BLOG_RETRY_POLICY, 4)).toBeUndefined();
    expect(retryWindowMs(BLOG_RETRY_POLICY)).toBe(21 * 60_000);
  });

  it("stops earlier with max_attempts 3", () => {
    const strict = { ...BLOG_RETRY_POLICY, maxAttempts: 3 };
    expect(nextRetryDelayMs(strict, 3)).toBeUndefined();
    expect(retryWindowMs(strict)).toBe(6 * 60_000);
  });

  it("repeats the last delay when the list is short", () => {
    const policy = { delaysMs: [1_000], maxAttempts: 4 };
    expect([1, 2, 3].map((attempt) => nextRetryDelayMs(policy, attempt))).toEqual([
      1_000, 1_000, 1_000,
    ]);
  });
});
