/**
 * Columns of the click store. Each column is a list of fixed-size typed-array chunks, so
 * appending never copies stored clicks and at most one chunk per column is partly unused.
 */

const CHUNK_BITS = 16;
/** Clicks per chunk: 65,536. */
export const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

type CodeArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * Dictionary codes of one attribute, one per click, in the narrowest unsigned width that holds
 * the largest code so far: one byte while the dictionary has at most 256 values.
 */
export class CodeColumn {
  #chunks: CodeArray[] = [];
  #maxCode = 0xff;

  set(index: number, code: number): void {
    if (code > this.#maxCode) {
      this.#widen(code);
    }
    const chunkIndex = index >>> CHUNK_BITS;
    if (chunkIndex === this.#chunks.length) {
      this.#chunks.push(this.#allocate(CHUNK_SIZE));
    }
    (this.#chunks[chunkIndex] as CodeArray)[index & CHUNK_MASK] = code;
  }

  get(index: number): number {
    return (this.#chunks[index >>> CHUNK_BITS] as CodeArray)[index & CHUNK_MASK] as number;
  }

  #allocate(length: number): CodeArray {
    if (this.#maxCode === 0xff) {
      return new Uint8Array(length);
    }
    return this.#maxCode === 0xffff ? new Uint16Array(length) : new Uint32Array(length);
  }

  #widen(code: number): void {
    this.#maxCode = code > 0xffff ? 0xffff_ffff : 0xffff;
    this.#chunks = this.#chunks.map((chunk) => {
      const wider = this.#allocate(chunk.length);
      wider.set(chunk);
      return wider;
    });
  }
}

/** Click ids as 16 raw bytes each. */
export class ClickIdColumn {
  readonly #chunks: Uint8Array[] = [];

  /** Copies 16 bytes from `source` at `offset` into row `index`. */
  set(index: number, source: Uint8Array, offset = 0): void {
    const chunkIndex = index >>> CHUNK_BITS;
    if (chunkIndex === this.#chunks.length) {
      this.#chunks.push(new Uint8Array(CHUNK_SIZE * 16));
    }
    const chunk = this.#chunks[chunkIndex] as Uint8Array;
    chunk.set(source.subarray(offset, offset + 16), (index & CHUNK_MASK) * 16);
  }

  /** Returns the chunk that holds row `index`; its bytes start at `byteOffset(index)`. */
  chunkOf(index: number): Uint8Array {
    return this.#chunks[index >>> CHUNK_BITS] as Uint8Array;
  }

  byteOffset(index: number): number {
    return (index & CHUNK_MASK) * 16;
  }

  /**
   * Compares the id of row `index` with 16 bytes of `other` at `otherOffset`, byte by byte,
   * which is also the order of the lowercase hex UUID strings.
   */
  compare(index: number, other: Uint8Array, otherOffset: number): number {
    const chunk = this.chunkOf(index);
    const offset = this.byteOffset(index);
    for (let byte = 0; byte < 16; byte++) {
      const difference = (chunk[offset + byte] as number) - (other[otherOffset + byte] as number);
      if (difference !== 0) {
        return difference;
      }
    }
    return 0;
  }
}

/** A number per click, as 64-bit floats: epoch microseconds stay exact up to 2^53. */
export class Float64Column {
  readonly #chunks: Float64Array[] = [];

  set(index: number, value: number): void {
    const chunkIndex = index >>> CHUNK_BITS;
    if (chunkIndex === this.#chunks.length) {
      this.#chunks.push(new Float64Array(CHUNK_SIZE));
    }
    (this.#chunks[chunkIndex] as Float64Array)[index & CHUNK_MASK] = value;
  }

  get(index: number): number {
    return (this.#chunks[index >>> CHUNK_BITS] as Float64Array)[index & CHUNK_MASK] as number;
  }
}
