import type { Simulation } from "../core/simulation.js";
import { formatTimestampUs } from "../model/click.js";
import type { Random } from "../model/random.js";
import type { AttemptOutcome } from "../webhooks/delivery-log.js";
import { Dispatcher } from "../webhooks/dispatcher.js";
import type { WebhookEndpoint } from "../webhooks/endpoints.js";
import { buildClickEvent } from "../webhooks/event.js";
import { encodeGoJson } from "../webhooks/go-json.js";
import {
  computeSignature,
  generateSecret,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  wallClockUnixSeconds,
} from "../webhooks/signature.js";

/** The check a probe belongs to. */
export type ProbeGroup = "wrong_secret" | "stale_timestamp" | "malformed_signature";

export interface ProbeDefinition {
  readonly kind: string;
  readonly group: ProbeGroup;
  /** What is wrong with the delivery, for reports. */
  readonly description: string;
  /** Rewrites the correctly signed headers of the probe. */
  readonly tamper: (headers: Record<string, string>, context: ProbeContext) => void;
}

interface ProbeContext {
  readonly body: string;
  /** The endpoint's real signing secret. */
  readonly secret: string;
  readonly random: Random;
  readonly validSignatureHex: string;
}

/** How old a stale probe's timestamp is: twice the usual 5-minute tolerance. */
export const STALE_PROBE_AGE_SECONDS = 600;

/**
 * Deliveries a receiver must reject with a 4xx. Each is a `click.recorded` event for a click
 * that never happened, so a receiver that accepts one also records a click that is not in
 * the ground truth.
 */
export const SIGNATURE_PROBES: readonly ProbeDefinition[] = [
  {
    kind: "wrong_secret",
    group: "wrong_secret",
    description: "signed with another secret",
    tamper: (headers, { body, random }) => {
      const timestamp = headers[HEADER_TIMESTAMP] as string;
      headers[HEADER_SIGNATURE] = `v1=${computeSignature(generateSecret(random), timestamp, body)}`;
    },
  },
  {
    kind: "stale_timestamp",
    group: "stale_timestamp",
    description: `validly signed, timestamp ${STALE_PROBE_AGE_SECONDS / 60} minutes old`,
    tamper: (headers, { body, secret }) => {
      // Signed with the endpoint's real secret: only the age is wrong.
      const timestamp = wallClockUnixSeconds() - STALE_PROBE_AGE_SECONDS;
      headers[HEADER_TIMESTAMP] = String(timestamp);
      headers[HEADER_SIGNATURE] = `v1=${computeSignature(secret, timestamp, body)}`;
    },
  },
  {
    kind: "short_signature",
    group: "malformed_signature",
    description: "signature of 32 hex digits instead of 64",
    tamper: (headers, { validSignatureHex }) => {
      headers[HEADER_SIGNATURE] = `v1=${validSignatureHex.slice(0, 32)}`;
    },
  },
  {
    kind: "long_signature",
    group: "malformed_signature",
    description: "signature of 66 hex digits instead of 64",
    tamper: (headers, { validSignatureHex }) => {
      headers[HEADER_SIGNATURE] = `v1=${validSignatureHex}ab`;
    },
  },
  {
    kind: "non_hex_signature",
    group: "malformed_signature",
    description: "64 characters that are not hex digits",
    tamper: (headers) => {
      headers[HEADER_SIGNATURE] = `v1=${"zx".repeat(32)}`;
    },
  },
  {
    kind: "missing_scheme",
    group: "malformed_signature",
    description: "correct hex without the v1= prefix",
    tamper: (headers, { validSignatureHex }) => {
      headers[HEADER_SIGNATURE] = validSignatureHex;
    },
  },
  {
    kind: "empty_signature",
    group: "malformed_signature",
    description: "v1= with nothing after it",
    tamper: (headers) => {
      headers[HEADER_SIGNATURE] = "v1=";
    },
  },
  {
    kind: "missing_signature",
    group: "malformed_signature",
    description: "no X-Webhook-Signature header",
    tamper: (headers) => {
      delete headers[HEADER_SIGNATURE];
    },
  },
];

export interface ProbeResult {
  readonly kind: string;
  readonly group: ProbeGroup;
  readonly description: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly clickId: string;
  readonly linkId: number;
  /** Simulated epoch milliseconds. */
  readonly sentAtMs: number;
  readonly outcome: AttemptOutcome;
  readonly statusCode?: number;
  readonly error?: string;
  readonly latencyMs: number;
}

/**
 * Sends every signature probe to `endpoint`, one after another, through the dispatcher's HTTP
 * client. Probes bypass injected outages: they test the receiver, not the network.
 */
export async function sendSignatureProbes(
  sim: Simulation,
  endpoint: WebhookEndpoint,
  random: Random,
  probes: readonly ProbeDefinition[] = SIGNATURE_PROBES,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of probes) {
    const nowMs = sim.clock.now();
    const link = random.pick(sim.workspace.links);
    const click = sim.createDetachedClick(link, Math.floor(nowMs * 1_000));
    const event = buildClickEvent(`evt_${random.hex(24)}`, formatTimestampUs(nowMs * 1_000), click);
    const body = encodeGoJson(event);
    const delivery = { id: `dlv_${random.hex(24)}`, eventType: event.type, body };
    const timestamp = wallClockUnixSeconds();
    const validSignatureHex = computeSignature(endpoint.secret, timestamp, body);
    const headers = Dispatcher.signedHeaders(delivery, endpoint.secret, 1, timestamp);
    probe.tamper(headers, { body, random, secret: endpoint.secret, validSignatureHex });
    const result = await sim.sender.send({ url: endpoint.url, headers, body });
    results.push({
      kind: probe.kind,
      group: probe.group,
      description: probe.description,
      deliveryId: delivery.id,
      eventId: event.id,
      clickId: click.click_id,
      linkId: click.link_id,
      sentAtMs: nowMs,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
      ...(result.error === undefined ? {} : { error: result.error }),
    });
  }
  return results;
}
