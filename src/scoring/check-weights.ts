/**
 * Weight of each check in the 0–100 score. Security and data checks weigh most: accepting a
 * forged delivery or losing or doubling a click corrupts the integration's data, while a
 * rejected valid delivery is retried and usually recovered.
 */
export const CHECK_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  "deliveries-accepted": 15,
  "wrong-secret-rejected": 20,
  "stale-timestamp-rejected": 10,
  "malformed-signature-rejected": 10,
  "outage-gap": 10,
  "no-misses": 20,
  "no-duplicates": 15,
});

/**
 * Weights of the poller checks, which sum to 100 as well. When a run judges several parts
 * (a receiver and a poller, or a hybrid), the score divides by the total weight of the checks
 * that ran, so it stays on the same 0–100 scale.
 */
export const POLLER_CHECK_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  "poller-coverage": 20,
  "cursors-followed": 15,
  "retry-after-honoured": 15,
  "poller-efficiency": 5,
  "poller-lag": 10,
  "poller-survival": 15,
  "ledger-matches-ground-truth": 20,
});

/** Weight of a check missing from the table, so a new check never weighs nothing by accident. */
export const DEFAULT_CHECK_WEIGHT = 10;

export function checkWeight(checkId: string): number {
  return CHECK_WEIGHTS[checkId] ?? POLLER_CHECK_WEIGHTS[checkId] ?? DEFAULT_CHECK_WEIGHT;
}
