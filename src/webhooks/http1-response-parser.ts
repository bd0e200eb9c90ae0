/**
 * An incremental parser of HTTP/1.1 responses, one response at a time on a keep-alive
 * connection. It finds the status and frames the body by RFC 9112 section 6: no body for
 * 1xx, 204 and 304; chunked; Content-Length; or until the connection closes. Body bytes are
 * counted and dropped, because the dispatcher keeps only their number.
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

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
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
  /** Bytes of an unfinished head or line, kept across chunks. */
  #pending: Buffer | undefined;
  #remaining = 0;
  #reusable = false;

  /** Starts a new response, reported to `sink`. */
  expect(sink: ResponseSink): void {
    this.#sink = sink;
    this.#state = "head";
    this.#pending = undefined;
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
   * Reads `chunk`. Throws `InvalidResponseError` on broken framing. Bytes after the end of the
   * response make the connection not reusable, since nothing was asked for them.
   */
  feed(chunk: Buffer): void {
    let data = chunk;
    let offset = 0;
    while (offset < data.length) {
      const sink = this.#sink;
      if (sink === undefined || this.#state === "done") {
        throw new InvalidResponseError(`${data.length - offset} bytes arrived with no request`);
      }
      switch (this.#state) {
        case "head": {
          const joined = this.#join(data, offset);
          const end = joined.indexOf("\r\n\r\n", 0, "latin1");
          if (end < 0) {
            if (joined.length > MAX_HEAD_BYTES) {
              throw new InvalidResponseError(
                `response head exceeds ${MAX_HEAD_BYTES} bytes without an empty line`,
              );
            }
            this.#pending = Buffer.from(joined);
            return;
          }
          this.#pending = undefined;
          this.#readHead(joined.toString("latin1", 0, end), sink);
          data = joined;
          offset = end + 4;
          if ((this.#state as State) === "length" && this.#remaining === 0) {
            // No body: bytes after the head were not asked for.
            this.#complete(sink, offset < data.length);
            return;
          }
          break;
        }
        case "length": {
          const count = Math.min(this.#remaining, data.length - offset);
          this.#remaining -= count;
          offset += count;
          if (!sink.onBodyBytes(count)) {
            this.#state = "done";
            return;
          }
          if (this.#remaining === 0) {
            this.#complete(sink, offset < data.length);
            return;
          }
          break;
        }
        case "chunk-size":
        case "chunk-data-end":
        case "trailers": {
          const joined = this.#join(data, offset);
          const end = joined.indexOf("\r\n", 0, "latin1");
          if (end < 0) {
            if (joined.length > MAX_LINE_BYTES) {
              throw new InvalidResponseError(`chunk line exceeds ${MAX_LINE_BYTES} bytes`);
            }
            this.#pending = Buffer.from(joined);
            return;
          }
          this.#pending = undefined;
          this.#readLine(joined.toString("latin1", 0, end));
          data = joined;
          offset = end + 2;
          if ((this.#state as State) === "done") {
            this.#complete(sink, offset < data.length);
            return;
          }
          break;
        }
        case "chunk-data": {
          const count = Math.min(this.#remaining, data.length - offset);
          this.#remaining -= count;
          offset += count;
          if (!sink.onBodyBytes(count)) {
            this.#state = "done";
            return;
          }
          if (this.#remaining === 0) {
            this.#state = "chunk-data-end";
          }
          break;
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

  #join(data: Buffer, offset: number): Buffer {
    const rest = offset === 0 ? data : data.subarray(offset);
    return this.#pending === undefined ? rest : Buffer.concat([this.#pending, rest]);
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
      this.#state = "length";
      this.#remaining = 0;
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
    this.#state = "length";
    this.#remaining = contentLength;
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
