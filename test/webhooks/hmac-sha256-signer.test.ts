import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HmacSha256Signer } from "../../src/webhooks/hmac-sha256-signer.js";
import { computeSignature } from "../../src/webhooks/signature.js";

function reference(key: string, message: string): string {
  return createHmac("sha256", key).update(message).digest("hex");
}

describe("HmacSha256Signer", () => {
  it("matches RFC 4231 test case 1", () => {
    const signer = new HmacSha256Signer("\x0b".repeat(20));
    expect(signer.digestHex("Hi There")).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
  });

  it("matches RFC 4231 test case 2", () => {
    const signer = new HmacSha256Signer("Jefe");
    expect(signer.digestHex("what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("matches computeSignature for a delivery", () => {
    const secret = "whsec_c2lnbmluZy1zZWNyZXQtb2YtMzItYnl0ZXMtLS0tLQ==";
    const body = '{"id":"evt_1","data":{"referrer_host":"bücher.example","slug":"→"}}';
    const timestamp = 1_747_299_600;
    expect(new HmacSha256Signer(secret).digestHex(`${timestamp}.${body}`)).toBe(
      computeSignature(secret, timestamp, body),
    );
  });

  it("keeps the key across messages", () => {
    const signer = new HmacSha256Signer("whsec_reused");
    const first = signer.digestHex("1.a");
    expect(signer.digestHex("2.b")).toBe(reference("whsec_reused", "2.b"));
    expect(signer.digestHex("1.a")).toBe(first);
  });

  it("handles block-length, long and non-ASCII keys", () => {
    const cases = [
      "k".repeat(64),
      "k".repeat(65),
      "k".repeat(200),
      "whsec_é",
      "",
      "\x7f".repeat(10),
    ];
    for (const key of cases) {
      expect(
        new HmacSha256Signer(key).digestHex("1747299600.{}"),
        `key ${JSON.stringify(key)}`,
      ).toBe(reference(key, "1747299600.{}"));
    }
  });

  it("equals createHmac for arbitrary keys and messages", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 80 }),
        fc.string({ unit: "grapheme" }),
        (key, message) => {
          expect(new HmacSha256Signer(key).digestHex(message)).toBe(reference(key, message));
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 2_000 }), (key, message) => {
        expect(new HmacSha256Signer(key).digestHex(message)).toBe(reference(key, message));
      }),
      { numRuns: 500 },
    );
  });
});
