/**
 * The distinct values of one click attribute, each with a small integer code and its JSON text.
 * The store keeps codes per click instead of the values, and writes responses from the JSON
 * texts, which are encoded once per value.
 */
export class Dictionary<T extends string | number | null> {
  readonly #codes = new Map<T, number>();
  readonly #values: T[] = [];
  readonly #json: string[] = [];

  /** Returns the code of `value`, adding the value when it is new. */
  encode(value: T): number {
    const known = this.#codes.get(value);
    if (known !== undefined) {
      return known;
    }
    const code = this.#values.length;
    this.#codes.set(value, code);
    this.#values.push(value);
    this.#json.push(JSON.stringify(value));
    return code;
  }

  /** Returns the code of `value`, or `undefined` when no click has had it. */
  lookup(value: T): number | undefined {
    return this.#codes.get(value);
  }

  value(code: number): T {
    return this.#values[code] as T;
  }

  /** JSON text of the value with `code`, e.g. `"DE"` or `null`. */
  json(code: number): string {
    return this.#json[code] as string;
  }

  get size(): number {
    return this.#values.length;
  }
}
