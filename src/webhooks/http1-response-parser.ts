/**
 * An incremental parser of HTTP/1.1 responses, one response at a time on a keep-alive
 * connection. It finds the status and frames the body by RFC 9112 section 6.
 *
 * Responses 1xx, 204 and 304 have no body. Other bodies are chunked, framed by
 * Content-Length, or end when the connection closes. Body bytes are counted and dropped,
 * because the dispatcher keeps only their number.
 */

/** The receiver of the parser's events while it reads one response. */
export interface ResponseSink {
  /** The final (non-1xx) status code. */
  onStatus(statusCode: number): void;
  /** Body bytes read; returns false to stop reading this response. */
  onBodyBytes(count: number): boolean;
  /** The response ended; `reusable` is true when the connection may carry another request. */
  onComplete(reusable: boolean): void;
}

/** A response that breaks HTTP/1.1 framing. The connection cannot be trusted afterwards. */
export class InvalidResponseError extends Error {
  override readonly name = "InvalidResponseError";
}

/** Bytes of a response head (status line and headers) before the response counts as invalid. */
export const MAX_HEAD_BYTES = 65_536;
/** Bytes of a chunk-size line or trailer line before the response counts as invalid. */
const MAX_LINE_BYTES = 4_096;

/** Capacity of the pending buffer kept between responses; larger ones are released. */
const KEPT_PENDING_BYTES = 4_096;
const EMPTY = Buffer.alloc(0);

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A line break followed by spaces or tabs, which continues the previous header line. */
const OBS_FOLD = /\r\n[ \t]+/g;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;

type State =
  | "head"
  | "length"
  | "chunk-size"
  | "chunk-data"
  | "chunk-data-end"
  | "trailers"
  | "until-close"
  | "done";

export class Http1ResponseParser {
  #sink: ResponseSink | undefined;
  #state: State = "head";
  /**
   * Copies of the bytes of an unfinished head or line, kept across chunks: the first
   * `#pendingLength` bytes of `#pending`, which grows by doubling so that a head sent in many
   * small pieces costs linear time.
   */
  #pending = EMPTY;
  #pendingLength = 0;
  /** The head or line that `#takeUntil` found last, without its terminator. */
  #taken = "";
  #remaining = 0;
  #reusable = false;

  /** Starts a new response, reported to `sink`. */
  expect(sink: ResponseSink): void {
    this.#sink = sink;
    this.#state = "head";
    this.#dropPending();
    this.#remaining = 0;
  }

  /** True while a response has started but not ended. */
  get active(): boolean {
    return this.#sink !== undefined && this.#state !== "done";
  }

  /** True when the response is framed by the end of the connection. */
  get endsWithConnection(): boolean {
    return this.#state === "until-close";
  }

  /** True once the status line and headers have been read. */
  get headRead(): boolean {
    return this.#state !== "head";
  }

  /**
   * Reads `data`. Throws `InvalidResponseError` on broken framing. Bytes after the end of the
   * response make the connection not reusable, since no request expects them.
   */
  feed(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      const sink = this.#sink;
      if (sink === undefined || this.#state === "done") {
        throw new InvalidResponseError(`${data.length - offset} bytes arrived with no request`);
      }
      switch (this.#state) {
        case "head":
        case "chunk-size":
        case "chunk-data-end":
        case "trailers": {
          const next = this.#takeUntil(data, offset);
          if (next < 0) {
            return;
          }
          offset = next;
          if (this.#state === "head") {
            this.#readHead(this.#taken, sink);
          } else {
            this.#readLine(this.#taken);
          }
          if ((this.#state as State) === "done") {
            // A head without a body, or the last trailer line, ended the response.
            this.#complete(sink, offset < data.length);
            return;
          }
          break;
        }
        case "length":
        case "chunk-data": {
          const count = Math.min(this.#remaining, data.length - offset);
          this.#remaining -= count;
          offset += count;
          if (!sink.onBodyBytes(count)) {
            this.#state = "done";
            return;
          }
          if (this.#remaining > 0) {
            break;
          }
          if (this.#state === "chunk-data") {
            this.#state = "chunk-data-end";
            break;
          }
          this.#complete(sink, offset < data.length);
          return;
        }
        case "until-close": {
          const count = data.length - offset;
          offset = data.length;
          if (!sink.onBodyBytes(count)) {
            this.#state = "done";
            return;
          }
          break;
        }
      }
    }
  }

  /** Completes a response framed by the end of the connection, if one is being read. */
  finishOnClose(): boolean {
    const sink = this.#sink;
    if (this.#state !== "until-close" || sink === undefined) {
      return false;
    }
    this.#state = "done";
    this.#sink = undefined;
    sink.onComplete(false);
    return true;
  }

  /**
   * Finds the end of the head (an empty line) or of a chunk line (CRLF) in the pending bytes
   * followed by `data` from `offset`. When found, stores the text before it in `#taken` and
   * returns the offset in `data` after it. Otherwise keeps a copy of the bytes and returns -1,
   * or throws once they exceed the limit of the head or line.
   */
  #takeUntil(data: Buffer, offset: number): number {
    const head = this.#state === "head";
    const terminator = head ? "\r\n\r\n" : "\r\n";
    const maxBytes = head ? MAX_HEAD_BYTES : MAX_LINE_BYTES;
    if (this.#pendingLength === 0) {
      const end = data.indexOf(terminator, offset, "latin1");
      if (end >= 0) {
        if (end - offset > maxBytes) {
          this.#rejectLength(end - offset, true);
        }
        this.#taken = data.toString("latin1", offset, end);
        return end + terminator.length;
      }
      this.#appendPending(data, offset, maxBytes);
      return -1;
    }
    const previousLength = this.#pendingLength;
    this.#appendPending(data, offset, Number.POSITIVE_INFINITY);
    // The terminator may start in the bytes kept before, so search a few of them again.
    const searchFrom = Math.max(0, previousLength - terminator.length + 1);
    const joined = this.#pending.subarray(0, this.#pendingLength);
    const end = joined.indexOf(terminator, searchFrom, "latin1");
    if (end < 0) {
      this.#checkPendingSize(maxBytes);
      return -1;
    }
    if (end > maxBytes) {
      this.#rejectLength(end, true);
    }
    this.#taken = joined.toString("latin1", 0, end);
    this.#dropPending();
    return offset + end + terminator.length - previousLength;
  }

  #appendPending(data: Buffer, offset: number, maxBytes: number): void {
    const length = this.#pendingLength + data.length - offset;
    if (length > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(length, this.#pending.length * 2, 256));
      this.#pending.copy(grown, 0, 0, this.#pendingLength);
      this.#pending = grown;
    }
    data.copy(this.#pending, this.#pendingLength, offset);
    this.#pendingLength = length;
    this.#checkPendingSize(maxBytes);
  }

  #checkPendingSize(maxBytes: number): void {
    if (this.#pendingLength > maxBytes) {
      this.#rejectLength(this.#pendingLength, false);
    }
  }

  /**
   * Throws for a head or line of `length` bytes over its limit. The limit applies however the
   * bytes were split into reads, so `ended` separates a complete one from an unfinished one.
   */
  #rejectLength(length: number, ended: boolean): never {
    if (this.#state === "head") {
      throw new InvalidResponseError(
        ended
          ? `response head of ${length} bytes exceeds ${MAX_HEAD_BYTES} bytes`
          : `response head exceeds ${MAX_HEAD_BYTES} bytes without an empty line`,
      );
    }
    throw new InvalidResponseError(`chunk line exceeds ${MAX_LINE_BYTES} bytes`);
  }

  #dropPending(): void {
    this.#pendingLength = 0;
    // A buffer grown for an unusually long head is not kept for the life of the connection.
    if (this.#pending.length > KEPT_PENDING_BYTES) {
      this.#pending = EMPTY;
    }
  }

  #readHead(head: string, sink: ResponseSink): void {
    const lines = head.split("\r\n");
    const status = STATUS_LINE.exec(lines[0] ?? "");
    if (status === null) {
      throw new InvalidResponseError(
        `status line ${JSON.stringify((lines[0] ?? "").slice(0, 80))} is not HTTP/1.x`,
      );
    }
    const http10 = status[1] === "0";
    const statusCode = Number(status[2]);
    let contentLength: number | undefined;
    let chunked = false;
    let transferEncoding = false;
    let connection = "";
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index] as string;
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!HEADER_NAME.test(name)) {
        if (index > 1 && (line.startsWith(" ") || line.startsWith("\t"))) {
          // Obsolete line folding: RFC 9112 section 5.2 has a user agent replace each fold
          // with a space before reading the value. Parsing starts again on the unfolded head,
          // which has no fold left, and nothing was reported yet.
          this.#readHead(head.replace(OBS_FOLD, " "), sink);
          return;
        }
        throw new InvalidResponseError(
          `header line ${JSON.stringify(line.slice(0, 80))} has no valid name`,
        );
      }
      // Only three names matter here; their lengths spare the others a lower-case copy.
      if (colon !== 14 && colon !== 17 && colon !== 10) {
        continue;
      }
      const value = line.slice(colon + 1).trim();
      switch (name.toLowerCase()) {
        case "content-length": {
          if (!/^\d{1,15}$/.test(value)) {
            throw new InvalidResponseError(`Content-Length ${JSON.stringify(value)} is invalid`);
          }
          const length = Number(value);
          if (contentLength !== undefined && contentLength !== length) {
            throw new InvalidResponseError("two different Content-Length headers");
          }
          contentLength = length;
          break;
        }
        case "transfer-encoding": {
          transferEncoding = true;
          const codings = value.toLowerCase().split(",");
          chunked = codings[codings.length - 1]?.trim() === "chunked";
          break;
        }
        case "connection":
          connection += `${value.toLowerCase()},`;
          break;
      }
    }
    if (statusCode < 200) {
      if (statusCode === 101) {
        throw new InvalidResponseError("101 Switching Protocols without an upgrade request");
      }
      // An interim response: the final one follows on the same connection.
      return;
    }
    sink.onStatus(statusCode);
    this.#reusable = http10
      ? /(?:^|[\s,])keep-alive(?:[\s,]|$)/.test(connection)
      : !/(?:^|[\s,])close(?:[\s,]|$)/.test(connection);
    if (statusCode === 204 || statusCode === 304) {
      this.#state = "done";
      return;
    }
    if (transferEncoding) {
      // A Transfer-Encoding with a Content-Length may be a smuggling attempt: never reuse it.
      if (contentLength !== undefined) {
        this.#reusable = false;
      }
      this.#state = chunked ? "chunk-size" : "until-close";
      return;
    }
    if (contentLength === undefined) {
      this.#state = "until-close";
      return;
    }
    this.#remaining = contentLength;
    this.#state = contentLength === 0 ? "done" : "length";
  }

  #readLine(line: string): void {
    if (this.#state === "chunk-data-end") {
      if (line !== "") {
        throw new InvalidResponseError("chunk data is not followed by CRLF");
      }
      this.#state = "chunk-size";
      return;
    }
    if (this.#state === "trailers") {
      if (line === "") {
        this.#state = "done";
      }
      return;
    }
    const size = CHUNK_SIZE.exec(line);
    if (size === null) {
      throw new InvalidResponseError(`chunk size ${JSON.stringify(line.slice(0, 40))} is invalid`);
    }
    this.#remaining = Number.parseInt(size[1] as string, 16);
    this.#state = this.#remaining === 0 ? "trailers" : "chunk-data";
  }

  #complete(sink: ResponseSink, extraBytes: boolean): void {
    this.#state = "done";
    this.#sink = undefined;
    sink.onComplete(this.#reusable && !extraBytes);
  }
}
