import { describe, expect, it } from "vitest";
import type { Click } from "../../src/model/click.js";
import { Dispatcher } from "../../src/webhooks/dispatcher.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import { encodeGoJson } from "../../src/webhooks/go-json.js";
import { computeSignature } from "../../src/webhooks/signature.js";

const CLICK: Click = {
  click_id: "3b1f6c2e-9a4d-4e7b-8c5a-1d2e3f4a5b6c",
  link_id: 90001,
  workspace_id: 4123,
  slug: "spring-sale",
  occurred_at: "2026-05-15T09:42:11.382417Z",
  country_code: "DE",
  device: "mobile",
  browser: "Safari",
  os: "iOS",
  referrer_host: "news.example.com",
  utm_source: "newsletter",
  utm_medium: "email",
  utm_campaign: "spring & summer <sale>",
  utm_content: "Grüße – café 🚀",
  utm_term: "line\u2028sep\u2029para",
  suspected_bot: false,
};

/** The bytes Go's encoding/json Marshal writes for the envelope: HTML characters and U+2028/9 escaped, UTF-8 kept. */
const EXPECTED_BODY = String.raw`{"id":"evt_5f2c1a9e0b7d4c3a8e6f1d2b","type":"click.recorded","created_at":"2026-05-15T09:42:16.104233Z","workspace_id":4123,"data":{"click_id":"3b1f6c2e-9a4d-4e7b-8c5a-1d2e3f4a5b6c","link_id":90001,"workspace_id":4123,"slug":"spring-sale","occurred_at":"2026-05-15T09:42:11.382417Z","country_code":"DE","device":"mobile","browser":"Safari","os":"iOS","referrer_host":"news.example.com","utm_source":"newsletter","utm_medium":"email","utm_campaign":"spring \u0026 summer \u003csale\u003e","utm_content":"Grüße – café 🚀","utm_term":"line\u2028sep\u2029para","suspected_bot":false}}`;

const SECRET = "whsec_kat-envelope-secret";
const TIMESTAMP = 1778838136;
/**
 * Computed independently of this code:
 * printf '%s' '1778838136.<EXPECTED_BODY>' | openssl dgst -sha256 -hmac 'whsec_kat-envelope-secret'
 */
const EXPECTED_SIGNATURE = "99b0b09e735888b15b4d7896aaa5940edf39091349f2a64e837dc68266dafac8";

describe("click.recorded envelope vector", () => {
  const event = buildClickEvent(
    "evt_5f2c1a9e0b7d4c3a8e6f1d2b",
    "2026-05-15T09:42:16.104233Z",
    CLICK,
  );

  it("encodes the envelope as Go does", () => {
    expect(encodeGoJson(event)).toBe(EXPECTED_BODY);
  });

  it("has the byte length of the Go output", () => {
    expect(Buffer.byteLength(encodeGoJson(event), "utf8")).toBe(587);
  });

  it("signs the bytes as openssl does", () => {
    expect(computeSignature(SECRET, TIMESTAMP, encodeGoJson(event))).toBe(EXPECTED_SIGNATURE);
  });

  it("puts the signature in the attempt headers", () => {
    const headers = Dispatcher.signedHeaders(
      { id: "dlv_vector", eventType: event.type, body: encodeGoJson(event) },
      SECRET,
      1,
      TIMESTAMP,
    );

    expect(headers["x-webhook-signature"]).toBe(`v1=${EXPECTED_SIGNATURE}`);
    expect(headers["x-webhook-timestamp"]).toBe(String(TIMESTAMP));
    expect(headers["x-webhook-event"]).toBe("click.recorded");
    expect(headers["x-webhook-delivery"]).toBe("dlv_vector");
    expect(headers["x-webhook-attempt"]).toBe("1");
    expect(headers["content-type"]).toBe("application/json");
  });
});
