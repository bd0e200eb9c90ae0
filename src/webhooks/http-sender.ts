import { AttemptDeadlines, type DeadlineEntry } from "./attempt-deadlines.js";
import type { AttemptOutcome } from "./delivery-log.js";
import { type Exchange, type Http1Connection, OriginPool } from "./http1-pool.js";
import { InvalidResponseError } from "./http1-response-parser.js";

export interface SendRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface SendResult {
  readonly outcome: AttemptOutcome;
  readonly statusCode?: number;
  readonly error?: string;
  /** Wall-clock milliseconds from sending to the end of the response or the failure. */
  readonly latencyMs: number;
  /** Response body bytes read, when the receiver sent a response. */
  readonly responseBytes?: number;
  /** True when the body reached `maxResponseBytes` and the rest was discarded unread. */
  readonly responseTruncated?: boolean;
}

export interface HttpSenderOptions {
  /** Wall-clock milliseconds an attempt may take, response body included. Default: 30000. */
  attemptTimeoutMs?: number;
  /** Response body bytes read before the rest is discarded. Default: 65536. */
  maxResponseBytes?: number;
  /** Connections kept open per receiver origin. Default: 32. */
  connectionsPerOrigin?: number;
  /**
   * Milliseconds an idle connection is reused. Default: 4000, under the 5 s idle timeout of
   * Node.js servers, so that a request rarely meets a connection the receiver is closing.
   */
  keepAliveMs?: number;
}

/** The pool of one receiver URL, and its request line with the Host header. */
interface Target {
  readonly pool: OriginPool;
  readonly requestHead: string;
}

/** Header names the sender writes itself; a caller's copies are ignored. */
const FRAMING_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection"]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const INVALID_HEADER_VALUE = /[\r\n\0]/;

/**
 * Sends HTTP/1.1 attempts over keep-alive connections and classifies the results. Redirects
 * are never followed, because Elido counts them as failed attempts.
 *
 * It speaks HTTP/1.1 itself on `node:net` sockets (and `node:tls` for https URLs): each
 * request is one write of one buffer, and the response parser only frames and counts the
 * body. Through undici's `Pool.dispatch` the same attempts cost about 60 % more CPU per
 * request, which kept the dispatcher well under the rate a load generator reaches against
 * the same receiver (see docs/benchmarks.md).
 */
export class HttpSender {
  readonly #pools = new Map<string, OriginPool>();
  readonly #targets = new Map<string, Target>();
  /** Header names seen so far, valid ones only: true when written, false when the sender sets it. */
  readonly #headerNames = new Map<string, boolean>();
  readonly #deadlines = new AttemptDeadlines();
  readonly #connectionsPerOrigin: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #keepAliveMs: number;
  #closed: Promise<void> | undefined;
  #inflight = 0;
  #drained: (() => void) | undefined;

  constructor(options: HttpSenderOptions = {}) {
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 65_536;
    this.#connectionsPerOrigin = options.connectionsPerOrigin ?? 32;
    this.#keepAliveMs = options.keepAliveMs ?? 4_000;
  }

  get attemptTimeoutMs(): number {
    return this.#attemptTimeoutMs;
  }

  send(attempt: SendRequest): Promise<SendResult> {
    return new Promise((resolve) => this.start(attempt, resolve));
  }

  /**
   * Sends `attempt` and calls `onResult` once with its outcome. The attempt timeout ends every
   * attempt, and an exchange ignores events after its first result. The callback form spares
   * the dispatcher a promise per attempt.
   */
  start(attempt: SendRequest, onResult: (result: SendResult) => void): void {
    if (this.#closed !== undefined) {
      onResult({ outcome: "network_error", error: "the HTTP sender is closed", latencyMs: 0 });
      return;
    }
    let target: Target;
    let request: Buffer;
    try {
      target = this.#target(attempt.url);
      request = this.#request(target, attempt);
    } catch (error) {
      onResult({
        outcome: "network_error",
        error: error instanceof Error ? error.message : String(error),
        latencyMs: 0,
      });
      return;
    }
    this.#inflight++;
    const exchange = new AttemptExchange(request, this, onResult);
    this.#deadlines.add(exchange);
    target.pool.dispatch(exchange);
  }

  /**
   * Waits for attempts in flight or queued to end, then closes every connection. Later calls
   * return the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    if (this.#inflight > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.#deadlines.stop();
    for (const pool of this.#pools.values()) {
      pool.closeIdle();
    }
    this.#pools.clear();
    this.#targets.clear();
  }

  /** Called by an exchange when its result is known. */
  settled(exchange: AttemptExchange): void {
    this.#deadlines.remove(exchange);
    this.#inflight--;
    if (this.#inflight === 0 && this.#drained !== undefined) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  get maxResponseBytes(): number {
    return this.#maxResponseBytes;
  }

  #request(target: Target, attempt: SendRequest): Buffer {
    let head = target.requestHead;
    for (const name in attempt.headers) {
      const value = attempt.headers[name] as string;
      let written = this.#headerNames.get(name);
      if (written === undefined) {
        if (!HEADER_NAME.test(name)) {
          throw new Error(`invalid request header name ${JSON.stringify(name)}`);
        }
        written = !FRAMING_HEADERS.has(name.toLowerCase());
        this.#headerNames.set(name, written);
      }
      if (!written) {
        continue;
      }
      if (INVALID_HEADER_VALUE.test(value)) {
        throw new Error(`invalid value of request header ${name}: CR, LF or NUL`);
      }
      head += `${name}: ${value}\r\n`;
    }
    const bodyBytes = Buffer.byteLength(attempt.body);
    head += `content-length: ${bodyBytes}\r\n\r\n`;
    // Header values are Latin-1 by RFC 9110; the body is UTF-8.
    const request = Buffer.allocUnsafe(head.length + bodyBytes);
    request.write(head, 0, "latin1");
    request.write(attempt.body, head.length, "utf8");
    return request;
  }

  #target(url: string): Target {
    let target = this.#targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new Error(`unsupported URL scheme ${parsed.protocol} in ${url}`);
      }
      const path = `${parsed.pathname}${parsed.search}`;
      target = {
        pool: this.#pool(parsed),
        requestHead: `POST ${path === "" ? "/" : path} HTTP/1.1\r\nhost: ${parsed.host}\r\n`,
      };
      this.#targets.set(url, target);
    }
    return target;
  }

  #pool(url: URL): OriginPool {
    let pool = this.#pools.get(url.origin);
    if (pool === undefined) {
      const tls = url.protocol === "https:";
      pool = new OriginPool(
        {
          // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
          host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
          port: url.port === "" ? defaultPort(tls) : Number(url.port),
          tls,
        },
        { maxConnections: this.#connectionsPerOrigin, keepAliveMs: this.#keepAliveMs },
      );
      this.#pools.set(url.origin, pool);
    }
    return pool;
  }
}

/**
 * One attempt: in the deadline list from its start, and in a pool's queue or on a connection
 * until its result is known. `#settle` passes on only the first result.
 */
class AttemptExchange implements Exchange, DeadlineEntry {
  readonly request: Buffer;
  readonly deadlineMs: number;
  previous: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
  connection: Http1Connection | undefined;
  readonly #sender: HttpSender;
  readonly #onResult: (result: SendResult) => void;
  readonly #startedAt: number;
  #settled = false;
  #statusCode = 0;
  #bytes = 0;

  constructor(request: Buffer, sender: HttpSender, onResult: (result: SendResult) => void) {
    this.request = request;
    this.#sender = sender;
    this.#onResult = onResult;
    this.#startedAt = performance.now();
    this.deadlineMs = this.#startedAt + sender.attemptTimeoutMs;
  }

  get settled(): boolean {
    return this.#settled;
  }

  onStatus(statusCode: number): void {
    this.#statusCode = statusCode;
  }

  onBodyBytes(count: number): boolean {
    this.#bytes += count;
    if (this.#bytes < this.#sender.maxResponseBytes) {
      return true;
    }
    // The status is known, so the rest of the body is not worth reading.
    this.#settle(classifyStatus(this.#statusCode, this.#latency(), this.#bytes, true));
    this.connection?.destroy();
    return false;
  }

  onComplete(reusable: boolean): void {
    this.#settle(classifyStatus(this.#statusCode, this.#latency(), this.#bytes, false));
    this.connection?.finished(reusable);
  }

  onConnectionError(error: Error, responseStarted: boolean): void {
    this.#settle({
      ...classifyError(error, responseStarted),
      latencyMs: this.#latency(),
      ...(this.#statusCode === 0 ? {} : { statusCode: this.#statusCode }),
    });
  }

  expire(): void {
    if (this.#settled) {
      return;
    }
    const readsUntilClose = this.#statusCode !== 0 && this.connection?.readsUntilClose === true;
    this.#settle({
      outcome: "timeout",
      error: readsUntilClose
        ? `no complete response within ${this.#sender.attemptTimeoutMs} ms: the response has neither Content-Length nor chunked Transfer-Encoding, so its body ends only when the receiver closes the connection, and the receiver kept it open`
        : `no complete response within ${this.#sender.attemptTimeoutMs} ms`,
      latencyMs: this.#latency(),
      ...(this.#statusCode === 0 ? {} : { responseBytes: this.#bytes }),
    });
    this.connection?.destroy();
  }

  #settle(result: SendResult): void {
    if (this.#settled) {
      return;
    }
    this.#settled = true;
    this.#sender.settled(this);
    this.#onResult(result);
  }

  #latency(): number {
    return performance.now() - this.#startedAt;
  }
}

function defaultPort(tls: boolean): number {
  return tls ? 443 : 80;
}

function classifyStatus(
  statusCode: number,
  latencyMs: number,
  responseBytes: number,
  truncated: boolean,
): SendResult {
  const outcome = statusOutcome(statusCode);
  return truncated
    ? { outcome, statusCode, latencyMs, responseBytes, responseTruncated: true }
    : { outcome, statusCode, latencyMs, responseBytes };
}

function statusOutcome(statusCode: number): AttemptOutcome {
  if (statusCode >= 200 && statusCode < 300) {
    return "success";
  }
  if (statusCode >= 300 && statusCode < 400) {
    return "redirect";
  }
  return "http_error";
}

function classifyError(
  error: Error,
  responseStarted: boolean,
): Pick<SendResult, "outcome" | "error"> {
  if (error instanceof InvalidResponseError) {
    return { outcome: "network_error", error: `invalid HTTP/1.1 response: ${error.message}` };
  }
  const code = (error as Error & { code?: unknown }).code;
  if (code === "ECONNREFUSED") {
    return { outcome: "connection_refused", error: "connection refused" };
  }
  if (code === "ECONNRESET" || code === "EPIPE") {
    const detail = error.name === "ConnectionClosedError" ? error.message : `${code}`;
    return {
      outcome: "connection_reset",
      error: `connection closed by the receiver${responseStarted ? " mid-response" : ""} (${detail})`,
    };
  }
  return {
    outcome: "network_error",
    error: typeof code === "string" ? `${code}: ${error.message}` : error.message,
  };
}
