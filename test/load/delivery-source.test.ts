import { describe, expect, it } from "vitest";
import { RealClock } from "../../src/clock/scaled-clock.js";
import { DeliverySource, type OutgoingDelivery } from "../../src/load/delivery-source.js";
import { SendKind, SendLog } from "../../src/load/send-log.js";
import { Random } from "../../src/model/random.js";
import { computeSignature } from "../../src/webhooks/signature.js";

const SECRET = "whsec_delivery-source-secret";
const TARGET = new URL("http://127.0.0.1:8123/hooks/elido?tenant=7");

interface ParsedRequest {
  requestLine: string;
  headers: Map<string, string>;
  body: string;
  bodyBytes: number;
}

/** Splits raw HTTP/1.1 request bytes into the request line, headers (lowercase names) and body. */
function parse(delivery: OutgoingDelivery): ParsedRequest {
  const bytes = Buffer.from(delivery.request, "utf8");
  const end = bytes.indexOf("\r\n\r\n");
  expect(end).toBeGreaterThan(0);
  const [requestLine = "", ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    expect(headers.has(name), `header ${name} repeated`).toBe(false);
    headers.set(name, line.slice(colon + 1).trim());
  }
  const bodyBuffer = bytes.subarray(end + 4);
  return {
    requestLine,
    headers,
    body: bodyBuffer.toString("utf8"),
    bodyBytes: bodyBuffer.length,
  };
}

function createSource(options: { duplicates?: number; invalid?: number } = {}) {
  const log = new SendLog();
  const source = new DeliverySource({
    target: TARGET,
    secret: SECRET,
    duplicates: options.duplicates ?? 0,
    invalid: options.invalid ?? 0,
    random: new Random(42).fork("load"),
    startMs: new RealClock().now(),
    log,
  });
  return { source, log };
}

describe("DeliverySource", () => {
  it("builds a signed click.recorded request", () => {
    const { source, log } = createSource();
    const delivery = source.next();
    const request = parse(delivery);
    const ids = source.idsOf(log.eventIndex(delivery.sendIndex));

    expect(request.requestLine).toBe("POST /hooks/elido?tenant=7 HTTP/1.1");
    expect(request.headers.get("host")).toBe("127.0.0.1:8123");
    expect(request.headers.get("connection")).toBe("keep-alive");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(request.headers.get("user-agent")).toMatch(/^Elido-Webhooks\/1\.0/);
    expect(request.headers.get("x-webhook-event")).toBe("click.recorded");
    expect(request.headers.get("x-webhook-delivery")).toBe(ids.deliveryId);
    expect(request.headers.get("x-webhook-attempt")).toBe("1");
    expect(Number(request.headers.get("content-length"))).toBe(request.bodyBytes);

    const timestamp = Number(request.headers.get("x-webhook-timestamp"));
    const nowSeconds = new RealClock().now() / 1_000;
    expect(Math.abs(timestamp - nowSeconds)).toBeLessThan(5);
    expect(request.headers.get("x-webhook-signature")).toBe(
      `v1=${computeSignature(SECRET, timestamp, request.body)}`,
    );

    const event = JSON.parse(request.body);
    expect(event.id).toBe(ids.eventId);
    expect(event.type).toBe("click.recorded");
    expect(event.data.click_id).toBe(ids.clickId);
    expect(event.data.link_id).toBe(source.linkIdOf(log.eventIndex(delivery.sendIndex)));
  });

  it("gives every new delivery its own ids", () => {
    const { source } = createSource();
    const deliveryIds = new Set<string>();
    const eventIds = new Set<string>();
    const clickIds = new Set<string>();
    const count = 2_000;
    for (let index = 0; index < count; index++) {
      const request = parse(source.next());
      const event = JSON.parse(request.body);
      deliveryIds.add(request.headers.get("x-webhook-delivery") ?? "");
      eventIds.add(event.id);
      clickIds.add(event.data.click_id);
      expect(Number(request.headers.get("content-length"))).toBe(request.bodyBytes);
    }
    expect(deliveryIds.size).toBe(count);
    expect(eventIds.size).toBe(count);
    expect(clickIds.size).toBe(count);
  });

  it("signs invalid deliveries with another secret", () => {
    const { source, log } = createSource({ invalid: 0.5 });
    let invalid = 0;
    for (let index = 0; index < 200; index++) {
      const delivery = source.next();
      const request = parse(delivery);
      const timestamp = Number(request.headers.get("x-webhook-timestamp"));
      const valid = `v1=${computeSignature(SECRET, timestamp, request.body)}`;
      const signature = request.headers.get("x-webhook-signature");
      if (log.kind(delivery.sendIndex) === SendKind.invalid) {
        invalid++;
        expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
        expect(signature).not.toBe(valid);
      } else {
        expect(signature).toBe(valid);
      }
    }
    expect(invalid).toBeGreaterThan(50);
  });

  it("resends duplicates as attempt 2", () => {
    const { source, log } = createSource({ duplicates: 0.3 });
    const bodies = new Map<string, string>();
    let duplicates = 0;
    for (let index = 0; index < 300; index++) {
      const delivery = source.next();
      const request = parse(delivery);
      const deliveryId = request.headers.get("x-webhook-delivery") ?? "";
      const timestamp = Number(request.headers.get("x-webhook-timestamp"));
      expect(request.headers.get("x-webhook-signature")).toBe(
        `v1=${computeSignature(SECRET, timestamp, request.body)}`,
      );
      if (log.kind(delivery.sendIndex) === SendKind.duplicate) {
        duplicates++;
        expect(request.headers.get("x-webhook-attempt")).toBe("2");
        expect(bodies.get(deliveryId)).toBe(request.body);
      } else {
        expect(request.headers.get("x-webhook-attempt")).toBe("1");
        expect(bodies.has(deliveryId)).toBe(false);
        bodies.set(deliveryId, request.body);
      }
    }
    expect(duplicates).toBeGreaterThan(50);
  });
});
