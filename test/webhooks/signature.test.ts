import { describe, expect, it } from "vitest";
import { encodeGoJson } from "../../src/webhooks/go-json.js";
import { computeSignature, formatSignatureHeader } from "../../src/webhooks/signature.js";

// Expected values computed independently with:
//   printf '%s' '<timestamp>.<body>' | openssl dgst -sha256 -hmac '<secret>'
const SECRET = "whsec_MfKQ9r8GKYqrTAjpOIXAfhWP5TBAdP0Qq0yUqVWS0Bk=";
const TIMESTAMP = 1747302131;

describe("computeSignature", () => {
  it("matches openssl for Go-escaped bytes", () => {
    const body =
      '{"id":"evt_0001","type":"click.recorded","data":{"utm_campaign":"spring \\u0026 summer"}}';
    expect(computeSignature(SECRET, TIMESTAMP, body)).toBe(
      "fbf35a3e456db8ab1c5715a19f5cbc0c1a232ab38a20f2b9ee8ac87d04723247",
    );
  });

  it("differs for the re-serialized body", () => {
    const body =
      '{"id":"evt_0001","type":"click.recorded","data":{"utm_campaign":"spring & summer"}}';
    expect(computeSignature(SECRET, TIMESTAMP, body)).toBe(
      "58e89068d66be4cdf9aa63ea0a079c788fb5a09102f602eebe0033bf168587d6",
    );
  });

  it("matches openssl over non-ASCII, emoji and escaped separators", () => {
    const event = {
      id: "evt_0002",
      type: "click.recorded",
      data: {
        utm_campaign: "Größe 👟 sale",
        utm_term: "<launch>",
        utm_content: "line\u2028separator",
      },
    };
    const body = encodeGoJson(event);
    expect(computeSignature(SECRET, String(TIMESTAMP), body)).toBe(
      "97e4fee5f9f81dd18f936bab05712f23ed3639603933636220e131a5ba366fb1",
    );
  });

  it("formats the header with the v1 scheme", () => {
    expect(formatSignatureHeader("ab".repeat(32))).toBe(`v1=${"ab".repeat(32)}`);
  });
});
