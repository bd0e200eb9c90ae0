import type { RetryPolicy } from "./retry-policy.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A documented variant of Elido's sender behaviour, selectable as a whole by name. */
export interface DeliveryProfile {
  readonly name: DeliveryProfileName;
  readonly description: string;
  readonly retryPolicy: RetryPolicy;
  /** Wall-clock milliseconds one attempt may take. */
  readonly attemptTimeoutMs: number;
  /**
   * Failed attempts in a row after which the endpoint is paused, or `undefined` for never.
   * A paused endpoint gets no attempts until it is resumed.
   */
  readonly pauseAfterConsecutiveFailures: number | undefined;
}

export const DELIVERY_PROFILE_NAMES = ["blog", "retry-8", "retry-5", "max-attempts-3"] as const;
export type DeliveryProfileName = (typeof DELIVERY_PROFILE_NAMES)[number];

function policy(delaysMs: readonly number[], maxAttempts: number): RetryPolicy {
  return Object.freeze({ delaysMs: Object.freeze([...delaysMs]), maxAttempts });
}

/**
 * The profiles, keyed by name. `blog` follows Elido's engineering blog and is the default; the
 * others are variants from Elido's help centre and feature pages.
 */
export const DELIVERY_PROFILES: Readonly<Record<DeliveryProfileName, DeliveryProfile>> =
  Object.freeze({
    blog: Object.freeze({
      name: "blog",
      description:
        "Retries after 1m, 5m and 15m (4 attempts, about 21 minutes), 30 s attempt timeout.",
      retryPolicy: policy([MINUTE, 5 * MINUTE, 15 * MINUTE], 4),
      attemptTimeoutMs: 30 * SECOND,
      pauseAfterConsecutiveFailures: undefined,
    }),
    "retry-8": Object.freeze({
      name: "retry-8",
      description:
        "Retries after 30s, 2m, 10m, 30m, 2h, 8h, 24h and 48h (9 attempts), 30 s attempt " +
        "timeout, endpoint paused after 30 failed attempts in a row.",
      retryPolicy: policy(
        [
          30 * SECOND,
          2 * MINUTE,
          10 * MINUTE,
          30 * MINUTE,
          2 * HOUR,
          8 * HOUR,
          24 * HOUR,
          48 * HOUR,
        ],
        9,
      ),
      attemptTimeoutMs: 30 * SECOND,
      pauseAfterConsecutiveFailures: 30,
    }),
    "retry-5": Object.freeze({
      name: "retry-5",
      description: "Retries after 1s, 30s, 5m, 1h and 6h (6 attempts), 30 s attempt timeout.",
      retryPolicy: policy([SECOND, 30 * SECOND, 5 * MINUTE, HOUR, 6 * HOUR], 6),
      attemptTimeoutMs: 30 * SECOND,
      pauseAfterConsecutiveFailures: undefined,
    }),
    "max-attempts-3": Object.freeze({
      name: "max-attempts-3",
      description:
        "The blog's schema default of max_attempts 3: retries after 1m and 5m, then failed.",
      retryPolicy: policy([MINUTE, 5 * MINUTE], 3),
      attemptTimeoutMs: 30 * SECOND,
      pauseAfterConsecutiveFailures: undefined,
    }),
  });

export const DEFAULT_DELIVERY_PROFILE: DeliveryProfileName = "blog";

/** Settings that override a profile one by one. */
export interface DeliveryProfileOverrides {
  readonly maxAttempts?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly attemptTimeoutMs?: number;
}

export function isDeliveryProfileName(name: string): name is DeliveryProfileName {
  return (DELIVERY_PROFILE_NAMES as readonly string[]).includes(name);
}

/**
 * Returns the profile `name` with `overrides` applied. Delays given without `maxAttempts` set
 * the number of attempts to one more than the delays, as in scenario files.
 */
export function resolveDeliveryProfile(
  name: DeliveryProfileName,
  overrides: DeliveryProfileOverrides = {},
): DeliveryProfile {
  const base = DELIVERY_PROFILES[name];
  const delaysMs = overrides.retryDelaysMs ?? base.retryPolicy.delaysMs;
  const maxAttempts =
    overrides.maxAttempts ??
    (overrides.retryDelaysMs === undefined
      ? base.retryPolicy.maxAttempts
      : overrides.retryDelaysMs.length + 1);
  return Object.freeze({
    ...base,
    retryPolicy: policy(delaysMs, maxAttempts),
    attemptTimeoutMs: overrides.attemptTimeoutMs ?? base.attemptTimeoutMs,
  });
}

/** The delivery settings of a scenario that a profile decides. */
interface ProfiledSettings {
  readonly profile: DeliveryProfileName;
  readonly webhookOverrides: DeliveryProfileOverrides;
  readonly retryPolicy: RetryPolicy;
  readonly attemptTimeoutMs: number;
  readonly pauseAfterConsecutiveFailures: number | undefined;
}

/**
 * Returns `settings` (a scenario) switched to the profile `name`; the settings its file gave
 * explicitly still override the profile, as `--profile` on the command line does.
 */
export function withDeliveryProfile<T extends ProfiledSettings>(
  settings: T,
  name: DeliveryProfileName,
): T {
  const profile = resolveDeliveryProfile(name, settings.webhookOverrides);
  return Object.freeze({
    ...settings,
    profile: name,
    retryPolicy: profile.retryPolicy,
    attemptTimeoutMs: profile.attemptTimeoutMs,
    pauseAfterConsecutiveFailures: profile.pauseAfterConsecutiveFailures,
  });
}
