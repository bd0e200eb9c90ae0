/**
 * A reference receiver for Elido's `click.recorded` webhooks, written the way we recommend
 * integrations write theirs:
 *
 * - it verifies the HMAC over the raw body bytes, never over re-serialized JSON;
 * - it compares in constant time, after checking the length, so malformed headers get a 400;
 * - it rejects timestamps more than 5 minutes from its own clock, in both directions;
 * - it is idempotent by event id, so retries, lost 2xx answers and manual redeliveries
 *   (same event id, new delivery id) are recorded once;
 * - it answers 2xx as soon as the event is recorded.
 *
 * It depends on Node.js alone, so it can be copied out of this repository.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface ReceiverOptions {
  /** The endpoint's signing secret, `whsec_` prefix included: the HMAC key is the whole string. */
  readonly secret: string;
  /** Largest accepted distance between X-Webhook-Timestamp and this receiver's clock, in seconds. Default: 300. */
  readonly toleranceSeconds?: number;
  /** Largest accepted body, in bytes. Default: 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Returns the current Unix time in seconds; replaceable for tests. */
  readonly nowSeconds?: () => number;
  /** Called once per recorded click, for integrations that keep their own ledger. */
  readonly onClick?: (clickId: string) => void;
  /** Returns the click ids `GET /ledger` serves. Default: the ones this receiver recorded. */
  readonly ledger?: () => readonly string[];
}

/** Status and reason of a rejected delivery; the reason goes back in the 4xx body. */
type Rejection = { status: number; reason: string };

export interface ReferenceReceiver {
  readonly server: Server;
  /** Click ids in the order they were first recorded. */
  readonly clickIds: readonly string[];
}

/** Creates the receiver: `POST /webhook` takes deliveries, `GET /ledger` returns what was recorded. */
export function createReferenceReceiver(options: ReceiverOptions): ReferenceReceiver {
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const seenEventIds = new Set<string>();
  const clickIds: string[] = [];

  const handleDelivery = (request: IncomingMessage, rawBody: Buffer): Rejection | undefined => {
    const rejection = verify(request, rawBody, options.secret, toleranceSeconds, nowSeconds());
    if (rejection !== undefined) {
      return rejection;
    }
    let event: { id?: unknown; type?: unknown; data?: { click_id?: unknown } };
    try {
      event = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return { status: 400, reason: "body is not JSON" };
    }
    if (typeof event.id !== "string") {
      return { status: 400, reason: "event id missing" };
    }
    // Idempotent by event id: a duplicate is acknowledged again and recorded once.
    if (seenEventIds.has(event.id)) {
      return undefined;
    }
    seenEventIds.add(event.id);
    if (event.type === "click.recorded" && typeof event.data?.click_id === "string") {
      clickIds.push(event.data.click_id);
      options.onClick?.(event.data.click_id);
    }
    return undefined;
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/ledger") {
      sendJson(response, 200, { click_ids: options.ledger?.() ?? clickIds });
      return;
    }
    if (request.method === "GET" && path === "/healthz") {
      sendJson(response, 200, { status: "ok" });
      return;
    }
    if (request.method !== "POST" || path !== "/webhook") {
      sendJson(response, 404, { error: "not found" });
      return;
    }
    readBody(request, maxBodyBytes).then(
      (rawBody) => {
        if (rawBody === undefined) {
          sendJson(response, 413, { error: `body larger than ${maxBodyBytes} bytes` });
          return;
        }
        const rejection = handleDelivery(request, rawBody);
        if (rejection === undefined) {
          sendJson(response, 200, { received: true });
        } else {
          sendJson(response, rejection.status, { error: rejection.reason });
        }
      },
      () => {
        // The client went away mid-body; no response can be sent.
        response.destroy();
      },
    );
  });
  return { server, clickIds };
}

/** Checks the timestamp window and the signature; returns why the delivery is rejected, if it is. */
function verify(
  request: IncomingMessage,
  rawBody: Buffer,
  secret: string,
  toleranceSeconds: number,
  nowSeconds: number,
): Rejection | undefined {
  const timestamp = request.headers["x-webhook-timestamp"];
  if (typeof timestamp !== "string" || !/^\d{1,12}$/.test(timestamp)) {
    return { status: 400, reason: "X-Webhook-Timestamp missing or not Unix seconds" };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) {
    return { status: 400, reason: "X-Webhook-Timestamp outside the tolerance window" };
  }
  const header = request.headers["x-webhook-signature"];
  if (typeof header !== "string") {
    return { status: 400, reason: "X-Webhook-Signature missing" };
  }
  const expected = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
  // Several comma-separated signatures are allowed, for secret rotation.
  for (const candidate of header.split(",")) {
    const match = /^v1=([0-9a-f]{64})$/.exec(candidate.trim());
    if (match === null) {
      continue;
    }
    const provided = Buffer.from(match[1] as string, "hex");
    // timingSafeEqual throws on different lengths; the pattern above guarantees 32 bytes.
    if (provided.length === expected.length && timingSafeEqual(provided, expected)) {
      return undefined;
    }
  }
  return { status: 401, reason: "signature mismatch" };
}

/** Reads the raw body; resolves `undefined` when it exceeds `maxBytes`. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    request.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
