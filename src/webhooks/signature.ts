import type { Random } from "../model/random.js";
import { HmacSha256Signer } from "./hmac-sha256-signer.js";

/** Header names of a signed delivery. */
export const HEADER_SIGNATURE = "x-webhook-signature";
export const HEADER_TIMESTAMP = "x-webhook-timestamp";
export const HEADER_DELIVERY = "x-webhook-delivery";
export const HEADER_EVENT = "x-webhook-event";
export const HEADER_ATTEMPT = "x-webhook-attempt";

/**
 * Computes the lowercase hex HMAC-SHA256 of `"<timestamp>.<body>"`, keyed with the secret
 * string's UTF-8 bytes, `whsec_` prefix included, as Elido's sample receiver does.
 */
export function computeSignature(
  secret: string,
  timestampSeconds: number | string,
  body: string,
): string {
  return signerFor(secret).digestHex(`${timestampSeconds}.${body}`);
}

/**
 * Signers by secret, so each secret's key pads are computed once and not per signature. The map
 * is emptied when full because probes and `send` sign with a fresh random secret each time.
 */
const signers = new Map<string, HmacSha256Signer>();
const MAX_SIGNERS = 256;

function signerFor(secret: string): HmacSha256Signer {
  let found = signers.get(secret);
  if (found === undefined) {
    if (signers.size >= MAX_SIGNERS) {
      signers.clear();
    }
    found = new HmacSha256Signer(secret);
    signers.set(secret, found);
  }
  return found;
}

/** Formats the `X-Webhook-Signature` header value: `v1=<hex>`. */
export function formatSignatureHeader(signatureHex: string): string {
  return `v1=${signatureHex}`;
}

/**
 * Returns the wall-clock Unix time in whole seconds. Signature timestamps use the wall clock
 * on purpose, whatever the simulated time: the receiver checks them against its own clock.
 */
export function wallClockUnixSeconds(): number {
  return Math.floor(Date.now() / 1_000);
}

/** Generates a signing secret: `whsec_` and the base64 of 32 random bytes. */
export function generateSecret(random: Random): string {
  return `whsec_${Buffer.from(random.bytes(32)).toString("base64")}`;
}
