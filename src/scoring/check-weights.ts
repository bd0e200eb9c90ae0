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

/** Weight of a check missing from the table, so a new check never weighs nothing by accident. */
export const DEFAULT_CHECK_WEIGHT = 10;

export function checkWeight(checkId: string): number {
  return CHECK_WEIGHTS[checkId] ?? DEFAULT_CHECK_WEIGHT;
}
