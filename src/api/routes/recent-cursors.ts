import type { CursorCodec, CursorState } from "../cursor.js";

/**
 * Cursors remembered, about 550 KB at most. One cursor's text and state took 542 bytes of heap
 * and array buffers, measured with 1,024 remembered on Node 20.
 */
const REMEMBERED_CURSORS = 1024;

/**
 * Encodes and decodes the cursors of `clicks/recent`, remembering the last `REMEMBERED_CURSORS`
 * it encoded. A client that follows a cursor it was just given then costs a map lookup instead
 * of an HMAC check. Any other cursor goes to the codec, which checks its HMAC, so cursors of an
 * earlier run of the same seed are still accepted.
 */
export class RecentCursors {
  readonly #codec: CursorCodec;
  /** State by cursor text, oldest first, because a `Map` iterates in insertion order. */
  readonly #issued = new Map<string, CursorState>();

  constructor(codec: CursorCodec) {
    this.#codec = codec;
  }

  encode(state: CursorState): string {
    const text = this.#codec.encode(state);
    const issued = this.#issued;
    if (!issued.has(text)) {
      if (issued.size >= REMEMBERED_CURSORS) {
        issued.delete(issued.keys().next().value as string);
      }
      issued.set(text, state);
    }
    return text;
  }

  /** Returns the state of a cursor, or `undefined` for text that is not a valid cursor. */
  decode(text: string): CursorState | undefined {
    return this.#issued.get(text) ?? this.#codec.decode(text);
  }
}
