import { type Dispatcher, errors, Pool } from "undici";
import type { TimerHandle } from "../clock/clock.js";
import { RealClock } from "../clock/scaled-clock.js";
import type { AttemptOutcome } from "./delivery-log.js";

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
}

/** Origin and path of a receiver URL, parsed once per URL. */
interface Target {
  readonly pool: Pool;
  readonly path: string;
}

/**
 * Sends one HTTP attempt over keep-alive connections and classifies the result. Redirects are
 * never followed, because Elido counts them as failed attempts.
 *
 * It drives undici's `Pool.dispatch` with a small handler rather than `request()`: no response
 * stream, no body mixin and no promise per stage, which gave two to three times the attempts per
 * second (see docs/benchmarks.md).
 */
export class HttpSender {
  // One keep-alive pool per receiver origin; undici's Agent does the same routing at a
  // measurable cost per request.
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, Target>();
  readonly #connectionsPerOrigin: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxResponseBytes: number;
  // The attempt timeout is wall-clock on purpose, because the receiver responds in real time.
  readonly #wallClock = new RealClock();

  constructor(options: HttpSenderOptions = {}) {
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 65_536;
    this.#connectionsPerOrigin = options.connectionsPerOrigin ?? 32;
  }

  get attemptTimeoutMs(): number {
    return this.#attemptTimeoutMs;
  }

  send(attempt: SendRequest): Promise<SendResult> {
    return new Promise((resolve) => {
      let target: Target;
      try {
        target = this.#target(attempt.url);
      } catch (error) {
        resolve({ ...classifyError(error, this.#attemptTimeoutMs), latencyMs: 0 });
        return;
      }
      const handler = new AttemptHandler(
        resolve,
        this.#attemptTimeoutMs,
        this.#maxResponseBytes,
        this.#wallClock,
      );
      // undici's own header and body timeouts tick at a resolution of about one second, so
      // the handler's timer enforces the total. These stay as a backstop.
      target.pool.dispatch(
        {
          path: target.path,
          method: "POST",
          headers: attempt.headers,
          body: attempt.body,
          headersTimeout: this.#attemptTimeoutMs,
          bodyTimeout: this.#attemptTimeoutMs,
        },
        handler,
      );
    });
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    this.#targets.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  #target(url: string): Target {
    let target = this.#targets.get(url);
    if (target === undefined) {
      const parsed = new URL(url);
      target = { pool: this.#pool(parsed.origin), path: `${parsed.pathname}${parsed.search}` };
      this.#targets.set(url, target);
    }
    return target;
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.#connectionsPerOrigin,
        keepAliveTimeout: 10_000,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }
}

/** Raised into undici to abort an attempt; the handler has already settled its result. */
class AttemptAborted extends Error {
  override readonly name = "AttemptAborted";
}

/**
 * Follows one request through undici: counts body bytes up to the cap and drops the rest
 * with the connection, enforces the total attempt timeout, and settles exactly once.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (result: SendResult) => void;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #clock: RealClock;
  readonly #startedAt = performance.now();
  readonly #timer: TimerHandle;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #statusCode = 0;
  #bytes = 0;

  constructor(
    resolve: (result: SendResult) => void,
    timeoutMs: number,
    maxResponseBytes: number,
    clock: RealClock,
  ) {
    this.#resolve = resolve;
    this.#timeoutMs = timeoutMs;
    this.#maxResponseBytes = maxResponseBytes;
    this.#clock = clock;
    this.#timer = clock.setTimer(timeoutMs, () => this.#onTimeout());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) {
      controller.abort(new AttemptAborted("attempt timed out while queued"));
    }
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#statusCode = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) {
      return;
    }
    this.#bytes += chunk.length;
    if (this.#bytes >= this.#maxResponseBytes) {
      // The status is known, so the rest of the body is not worth reading.
      this.#settle(classifyStatus(this.#statusCode, this.#latency(), this.#bytes, true));
      controller.abort(new AttemptAborted("response body cap reached"));
    }
  }

  onResponseEnd(): void {
    this.#settle(classifyStatus(this.#statusCode, this.#latency(), this.#bytes, false));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle({ ...classifyError(error, this.#timeoutMs), latencyMs: this.#latency() });
  }

  #onTimeout(): void {
    if (this.#settled) {
      return;
    }
    this.#settle({
      outcome: "timeout",
      error: `no complete response within ${this.#timeoutMs} ms`,
      latencyMs: this.#latency(),
      ...(this.#statusCode === 0 ? {} : { responseBytes: this.#bytes }),
    });
    this.#controller?.abort(new AttemptAborted("attempt timeout"));
  }

  #settle(result: SendResult): void {
    if (this.#settled) {
      return;
    }
    this.#settled = true;
    this.#clock.clearTimer(this.#timer);
    this.#resolve(result);
  }

  #latency(): number {
    return performance.now() - this.#startedAt;
  }
}

function classifyStatus(
  statusCode: number,
  latencyMs: number,
  responseBytes: number,
  truncated: boolean,
): SendResult {
  const read = { responseBytes, ...(truncated ? { responseTruncated: true } : {}) };
  if (statusCode >= 200 && statusCode < 300) {
    return { outcome: "success", statusCode, latencyMs, ...read };
  }
  const outcome: AttemptOutcome = statusCode >= 300 && statusCode < 400 ? "redirect" : "http_error";
  return { outcome, statusCode, latencyMs, ...read };
}

function classifyError(error: unknown, timeoutMs: number): Omit<SendResult, "latencyMs"> {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) ||
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError
  ) {
    return { outcome: "timeout", error: `no complete response within ${timeoutMs} ms` };
  }
  if (code === "ECONNREFUSED") {
    return { outcome: "connection_refused", error: "connection refused" };
  }
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") {
    return { outcome: "connection_reset", error: `connection closed by the receiver (${code})` };
  }
  return { outcome: "network_error", error: code === undefined ? message : `${code}: ${message}` };
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_ABORTED") {
      return code;
    }
    current = (current as Error & { cause?: unknown }).cause;
  }
  return undefined;
}
