import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

type Generator = ReturnType<typeof xoroshiro128plus>;

/**
 * A seeded random source. Each concern takes its own stream with `fork(label)`, so adding a
 * fault or a probe does not shift the clicks that a seed produces.
 */
export class Random {
  readonly seed: number;
  readonly #generator: Generator;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#generator = xoroshiro128plus(this.seed);
  }

  /** Returns an independent stream whose seed is derived from this seed and `label`. */
  fork(label: string): Random {
    // FNV-1a over the label, mixed with the parent seed.
    let hash = 0x811c9dc5 ^ this.seed;
    for (let index = 0; index < label.length; index++) {
      hash ^= label.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    return new Random(hash >>> 0);
  }

  /** Returns a float in [0, 1). */
  float(): number {
    return uniformFloat64(this.#generator);
  }

  /** Returns an integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.#generator, min, max);
  }

  chance(probability: number): boolean {
    return probability > 0 && this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new RangeError("Cannot pick from an empty list.");
    }
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Returns a sample of an exponential distribution with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Returns `length` lowercase hexadecimal characters. */
  hex(length: number): string {
    let output = "";
    while (output.length < length) {
      output += (this.int(0, 0xffff) | 0x10000).toString(16).slice(1);
    }
    return output.slice(0, length);
  }

  bytes(length: number): Uint8Array {
    const output = new Uint8Array(length);
    for (let index = 0; index < length; index++) {
      output[index] = this.int(0, 255);
    }
    return output;
  }

  /** Returns a UUID version 4 string (RFC 9562, section 5.4). */
  uuid(): string {
    const hex = this.hex(32).split("");
    hex[12] = "4";
    hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    const text = hex.join("");
    return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  }
}
