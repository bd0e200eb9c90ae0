/**
 * When a failed delivery is attempted again, and when it is given up.
 *
 * Elido's engineering blog gives retries 1, 5 and 15 minutes after a failed first attempt:
 * attempts at t0, t0+1m, t0+6m and t0+21m, so a receiver down for more than about 21 minutes
 * loses the event. The same post says the `webhook_deliveries` table defaults `max_attempts`
 * to 3, which contradicts three retries; the default here is 4 so that the 21-minute bound
 * holds, and `maxAttempts` can be set to 3 for the stricter reading.
 */
export interface RetryPolicy {
  /** Simulated milliseconds between failed attempt n and attempt n+1, one entry per retry. */
  readonly delaysMs: readonly number[];
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
}

export const BLOG_RETRY_POLICY: RetryPolicy = Object.freeze({
  delaysMs: Object.freeze([60_000, 300_000, 900_000]),
  maxAttempts: 4,
});

/**
 * Returns the delay before the attempt that follows failed attempt `attemptNumber` (1-based),
 * or `undefined` when that attempt was the last. When the delay list is shorter than
 * `maxAttempts - 1`, its last entry repeats.
 */
export function nextRetryDelayMs(policy: RetryPolicy, attemptNumber: number): number | undefined {
  if (attemptNumber >= policy.maxAttempts || policy.delaysMs.length === 0) {
    return undefined;
  }
  const index = Math.min(attemptNumber - 1, policy.delaysMs.length - 1);
  return policy.delaysMs[index];
}

/** Returns the simulated milliseconds from the first attempt to the last one, if every attempt fails. */
export function retryWindowMs(policy: RetryPolicy): number {
  let total = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    total += nextRetryDelayMs(policy, attempt) ?? 0;
  }
  return total;
}
