import type { DeliverySource } from "./delivery-source.js";
import { SendKind } from "./send-log.js";

export type LoadCheckStatus = "pass" | "fail" | "not_observed";

/** A delivery named as evidence of a failed check. */
export interface DeliveryExample {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly clickId: string;
  readonly kind: SendKindName;
  /** HTTP status of the response, `null` for no response; absent in observation checks. */
  readonly status?: number | null;
  /** Times the click id appears in the observation; observation checks only. */
  readonly recorded?: number;
}

export type SendKindName = "valid" | "invalid" | "duplicate";

/** One correctness check of a load run. */
export interface LoadCheck {
  readonly id: string;
  readonly status: LoadCheckStatus;
  readonly summary: string;
  /** Up to MAX_EXAMPLES deliveries that failed the check. */
  readonly examples: readonly DeliveryExample[];
}

/** Largest number of example deliveries a check lists. */
export const MAX_EXAMPLES = 5;

export const KIND_NAMES: Record<SendKind, SendKindName> = {
  [SendKind.valid]: "valid",
  [SendKind.invalid]: "invalid",
  [SendKind.duplicate]: "duplicate",
};

/** Builds an example from an event index. */
export function exampleOf(
  source: DeliverySource,
  eventIndex: number,
  kind: SendKind,
  extra: { status?: number | null; recorded?: number },
): DeliveryExample {
  return { ...source.idsOf(eventIndex), kind: KIND_NAMES[kind], ...extra };
}
