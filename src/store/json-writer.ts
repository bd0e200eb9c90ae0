/**
 * A growable byte buffer that JSON responses are written into as UTF-8, piece by piece, so that
 * a page of clicks builds no intermediate strings and needs no UTF-8 encoding when sent.
 */
export class JsonWriter {
  #bytes = new Uint8Array(64 * 1024);
  #length = 0;

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.#length;
  }

  reset(): void {
    this.#length = 0;
  }

  /** Appends `bytes`; the loop is faster than `Uint8Array.set` for pieces of a few dozen bytes. */
  bytes(bytes: Uint8Array): void {
    const count = bytes.length;
    this.reserve(count);
    const target = this.#bytes;
    let position = this.#length;
    for (let offset = 0; offset < count; offset++) {
      target[position++] = bytes[offset] as number;
    }
    this.#length = position;
  }

  /** Appends one byte, such as the code of an ASCII character. */
  byte(value: number): void {
    this.reserve(1);
    this.#bytes[this.#length++] = value;
  }

  /** Appends text that is known to be ASCII, one byte per UTF-16 code unit. */
  ascii(text: string): void {
    const count = text.length;
    this.reserve(count);
    const target = this.#bytes;
    let position = this.#length;
    for (let offset = 0; offset < count; offset++) {
      target[position++] = text.charCodeAt(offset);
    }
    this.#length = position;
  }

  /** Appends `value`, a non-negative integer below 10^digits, as exactly `digits` decimal digits. */
  digits(value: number, digits: number): void {
    this.reserve(digits);
    const target = this.#bytes;
    let rest = value;
    for (let position = this.#length + digits - 1; position >= this.#length; position--) {
      target[position] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.#length += digits;
  }

  /**
   * Makes room for `count` more bytes and returns the array to write them into at `length`;
   * call `advance` after writing. The array changes when the writer grows.
   */
  reserve(count: number): Uint8Array {
    const needed = this.#length + count;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    return this.#bytes;
  }

  /** Counts `count` bytes written directly into the array that `reserve` returned. */
  advance(count: number): void {
    this.#length += count;
  }

  /** Returns a copy of the bytes written, which stays valid after the writer is reused. */
  toBuffer(): Buffer {
    return Buffer.from(this.#bytes.subarray(0, this.#length));
  }

  toString(): string {
    return Buffer.from(this.#bytes.buffer, 0, this.#length).toString("utf8");
  }
}

/** Returns the UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
