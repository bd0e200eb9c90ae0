/**
 * Click counts per dictionary code within one time bucket. Only codes that occur are kept, as
 * (code, count) pairs sorted by code in one typed array, because a minute usually sees a few
 * links and countries out of many.
 */
export class SparseCounts {
  #pairs = new Uint32Array(8);
  #size = 0;

  increment(code: number): void {
    const position = this.#search(code);
    if (position >= 0) {
      (this.#pairs[position * 2 + 1] as number)++;
      return;
    }
    const insertAt = -position - 1;
    if ((this.#size + 1) * 2 > this.#pairs.length) {
      const grown = new Uint32Array(this.#pairs.length * 2);
      grown.set(this.#pairs);
      this.#pairs = grown;
    }
    this.#pairs.copyWithin(insertAt * 2 + 2, insertAt * 2, this.#size * 2);
    this.#pairs[insertAt * 2] = code;
    this.#pairs[insertAt * 2 + 1] = 1;
    this.#size++;
  }

  get(code: number): number {
    const position = this.#search(code);
    return position >= 0 ? (this.#pairs[position * 2 + 1] as number) : 0;
  }

  /** Adds every count to `totals`, indexed by code. */
  addTo(totals: number[]): void {
    const pairs = this.#pairs;
    for (let pair = 0; pair < this.#size; pair++) {
      const code = pairs[pair * 2] as number;
      totals[code] = (totals[code] ?? 0) + (pairs[pair * 2 + 1] as number);
    }
  }

  /** Returns the pair index of `code`, or `-(insertion point) - 1` when it is absent. */
  #search(code: number): number {
    let low = 0;
    let high = this.#size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.#pairs[middle * 2] as number;
      if (found < code) {
        low = middle + 1;
      } else if (found > code) {
        high = middle - 1;
      } else {
        return middle;
      }
    }
    return -low - 1;
  }
}
