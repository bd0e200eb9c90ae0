/** The two ASCII digits of 0 to 99, two bytes per number. */
const DIGIT_PAIRS = (() => {
  const pairs = new Uint8Array(200);
  for (let number = 0; number < 100; number++) {
    pairs[number * 2] = 0x30 + Math.floor(number / 10);
    pairs[number * 2 + 1] = 0x30 + (number % 10);
  }
  return pairs;
})();

/**
 * A growable byte buffer that JSON responses are written into as UTF-8, piece by piece, so that
 * a page of clicks builds no intermediate strings and needs no UTF-8 encoding when sent.
 */
export class JsonWriter {
  #bytes: Uint8Array;
  #length = 0;

  /** Creates a writer with room for `capacity` bytes, which grows past them as needed. */
  constructor(capacity = 64 * 1024) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.#length;
  }

  reset(): void {
    this.#length = 0;
  }

  /**
   * Appends `bytes`. Pieces of up to 12 bytes are copied in a loop, which beats the call
   * overhead of `Uint8Array.set` at that size (measured on Node 20 with pages of 100 clicks).
   */
  bytes(bytes: Uint8Array): void {
    const count = bytes.length;
    const target = this.reserve(count);
    let position = this.#length;
    if (count > 12) {
      target.set(bytes, position);
      this.#length = position + count;
      return;
    }
    for (let offset = 0; offset < count; offset++) {
      target[position++] = bytes[offset] as number;
    }
    this.#length = position;
  }

  /**
   * Appends bytes `start` up to `end`, exclusive, of `source`. It repeats the copy of `bytes`,
   * because `bytes` calling `range` made copies of 3 to 40 bytes 2-3 % slower on Node 20.
   */
  range(source: Uint8Array, start: number, end: number): void {
    const count = end - start;
    const target = this.reserve(count);
    let position = this.#length;
    if (count > 12) {
      target.set(source.subarray(start, end), position);
      this.#length = position + count;
      return;
    }
    for (let offset = start; offset < end; offset++) {
      target[position++] = source[offset] as number;
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
    const target = this.reserve(digits);
    const start = this.#length;
    let position = start + digits;
    let rest = value;
    while (position - start >= 2) {
      const next = Math.floor(rest / 100);
      const pair = (rest - next * 100) * 2;
      target[--position] = DIGIT_PAIRS[pair + 1] as number;
      target[--position] = DIGIT_PAIRS[pair] as number;
      rest = next;
    }
    if (position > start) {
      target[--position] = 0x30 + (rest % 10);
    }
    this.#length = start + digits;
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

  /**
   * Returns a copy of the bytes written in an array of exactly that size. Unlike `toBuffer`,
   * a small copy is not a slice of Node's shared buffer pool, which it would keep alive.
   */
  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  toString(): string {
    return Buffer.from(this.#bytes.buffer, 0, this.#length).toString("utf8");
  }

  /** Returns the bytes written as a string of one character per byte, for ASCII content. */
  toLatin1(): string {
    return Buffer.from(this.#bytes.buffer, 0, this.#length).toString("latin1");
  }
}

/** Returns the UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, "utf8");
}
