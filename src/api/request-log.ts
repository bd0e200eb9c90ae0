/**
 * One API request as the simulator saw it. Poller scoring reads these: which clicks were
 * served, which cursors were handed out and followed, and whether `Retry-After` was honoured.
 */
export interface RequestLogEntry {
  /** `X-Request-ID` of the response. */
  readonly requestId: string;
  /** Simulated epoch milliseconds at which the request arrived. */
  readonly atMs: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly statusCode: number;
  /** The workspace the request authenticated as, if it did. */
  readonly workspaceId?: number;
  /** Click ids in the response body, in order, for `clicks/recent`. */
  readonly clickIds?: readonly string[];
  /** The `cursor` query parameter the request sent. */
  readonly cursor?: string;
  /** The `next_cursor` the response returned; `null` at the end of the window. */
  readonly nextCursor?: string | null;
  /** `Retry-After` seconds of a 429 or 503. */
  readonly retryAfterSeconds?: number;
  /** Name of the injected fault that shaped the response, if any. */
  readonly fault?: string;
  /** Wall-clock milliseconds the server spent on the request. */
  readonly latencyMs: number;
}

/** Details route handlers and hooks add to their request's log entry, one field at a time. */
export type RequestLogDetails = {
  -readonly [Key in
    | "clickIds"
    | "cursor"
    | "nextCursor"
    | "retryAfterSeconds"
    | "fault"
    | "workspaceId"]?: RequestLogEntry[Key];
} & {
  /**
   * Compact form of `clickIds` that `clicks/recent` logs, one object per page instead of one
   * string per click. The ids are formatted when scoring first reads `clickIds`.
   */
  packedClickIds?: PackedClickIdSource;
};

/** Click ids of a response kept in a compact form, such as the store rows of a page. */
export interface PackedClickIdSource {
  /** Returns the ids as 36-character UUIDs back to back. */
  packedClickIds(): string;
}

const UUID_LENGTH = 36;

/**
 * Defines `entry.clickIds` as the UUIDs of `source`, split into an array when first read and
 * kept. A log of thousands of pages then keeps one object per page until scoring reads it,
 * which spares the garbage collector a hundred strings per page.
 */
export function definePackedClickIds(entry: object, source: PackedClickIdSource): void {
  Object.defineProperty(entry, "clickIds", {
    enumerable: true,
    configurable: true,
    get(): string[] {
      const packed = source.packedClickIds();
      const clickIds: string[] = [];
      for (let offset = 0; offset < packed.length; offset += UUID_LENGTH) {
        clickIds.push(packed.slice(offset, offset + UUID_LENGTH));
      }
      Object.defineProperty(entry, "clickIds", { value: clickIds, enumerable: true });
      return clickIds;
    },
  });
}

/**
 * Defines `entry.query` as the parameters of `search` (a query string without the `?`), parsed
 * when first read and kept. Most entries are never read, so the server skips parsing them.
 */
export function defineLazyQuery(entry: object, search: string): void {
  Object.defineProperty(entry, "query", {
    enumerable: true,
    configurable: true,
    get(): Record<string, string> {
      const query = Object.fromEntries(new URLSearchParams(search));
      Object.defineProperty(entry, "query", { value: query, enumerable: true });
      return query;
    },
  });
}

/** Every API request of a run, in arrival order. */
export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];

  add(entry: RequestLogEntry): void {
    this.#entries.push(entry);
  }

  all(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  get size(): number {
    return this.#entries.length;
  }
}
