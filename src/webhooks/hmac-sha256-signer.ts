import { createHmac, hash } from "node:crypto";

/** SHA-256 block size in bytes, the length HMAC pads the key to (RFC 2104). */
const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

/**
 * HMAC-SHA256 with one fixed key, for signing many messages. The result is byte-identical to
 * `createHmac("sha256", key).update(message).digest("hex")`.
 *
 * The fast path computes HMAC as RFC 2104 defines it, `H((K ^ opad) || H((K ^ ipad) || m))`,
 * with two one-shot `crypto.hash` calls instead of a new Hmac object per message. It applies
 * when the key is ASCII and at most one block long, as `whsec_` secrets are. Then `K ^ ipad`
 * is ASCII too, so the UTF-8 encoding of the string `(K ^ ipad) + message` is exactly the
 * padded key's bytes followed by the message's UTF-8 bytes. Other keys use `createHmac`.
 * With a 520-byte message on Node.js 20.20 the fast path took about 1.3 µs against 2.5 µs for
 * `createHmac` with a string key (a microbenchmark on a shared 2-core VM, so an estimate).
 */
export class HmacSha256Signer {
  readonly #key: Buffer;
  /** `K ^ ipad` as a string, or undefined when the fast path does not apply. */
  readonly #innerPad: string | undefined;
  /** `K ^ opad` followed by room for the inner digest, which each signature overwrites. */
  readonly #outerInput = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);

  constructor(key: string) {
    this.#key = Buffer.from(key, "utf8");
    const fast = this.#key.length <= BLOCK_BYTES && this.#key.every((byte) => byte < 0x80);
    const innerPad = Buffer.alloc(BLOCK_BYTES, INNER_PAD);
    this.#outerInput.fill(OUTER_PAD, 0, BLOCK_BYTES);
    for (let index = 0; index < this.#key.length && fast; index++) {
      innerPad[index] = (innerPad[index] as number) ^ (this.#key[index] as number);
      this.#outerInput[index] = (this.#outerInput[index] as number) ^ (this.#key[index] as number);
    }
    this.#innerPad = fast ? innerPad.toString("latin1") : undefined;
  }

  /** Returns the lowercase hex HMAC-SHA256 of the UTF-8 bytes of `message`. */
  digestHex(message: string): string {
    if (this.#innerPad === undefined) {
      return createHmac("sha256", this.#key).update(message).digest("hex");
    }
    // A "binary" (latin1) string stores each digest byte as one char and costs less than a Buffer.
    const inner = hash("sha256", this.#innerPad + message, "binary");
    this.#outerInput.write(inner, BLOCK_BYTES, DIGEST_BYTES, "binary");
    return hash("sha256", this.#outerInput, "hex");
  }
}
