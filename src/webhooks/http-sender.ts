import { errors, Pool } from "undici";
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
  /** Response body bytes read, when the receiver answered. */
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

/**
 * Sends one HTTP attempt with undici over keep-alive connections and classifies the result.
 * Redirects are never followed, because Elido counts them as failed attempts.
 */
export class HttpSender {
  // One keep-alive pool per receiver origin; undici's Agent does the same routing at a
  // measurable cost per request.
  readonly #pools = new Map<string, Pool>();
  readonly #connectionsPerOrigin: number;
  readonly #attemptTimeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(options: HttpSenderOptions = {}) {
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 65_536;
    this.#connectionsPerOrigin = options.connectionsPerOrigin ?? 32;
  }

  get attemptTimeoutMs(): number {
    return this.#attemptTimeoutMs;
  }

  async send(attempt: SendRequest): Promise<SendResult> {
    const startedAt = performance.now();
    const timeoutMs = this.#attemptTimeoutMs;
    try {
      // The attempt timeout is wall-clock on purpose: the receiver answers in real time. undici's
      // own timers bound the wait for headers and each stall in the body, far cheaper than an
      // AbortSignal per attempt; the drain below enforces the total, so a 2xx that completes
      // after the timeout is still a timeout. A receiver that stalls after its headers holds
      // the connection for at most twice the timeout.
      const url = new URL(attempt.url);
      const response = await this.#pool(url.origin).request({
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: attempt.headers,
        body: attempt.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const drained = await this.#drain(response.body, startedAt + timeoutMs);
      const latencyMs = performance.now() - startedAt;
      const read = {
        responseBytes: drained.bytes,
        ...(drained.truncated ? { responseTruncated: true } : {}),
      };
      if (!drained.complete) {
        return {
          outcome: "timeout",
          error: `no complete response within ${timeoutMs} ms`,
          latencyMs,
          ...read,
        };
      }
      const statusCode = response.statusCode;
      if (statusCode >= 200 && statusCode < 300) {
        return { outcome: "success", statusCode, latencyMs, ...read };
      }
      const outcome: AttemptOutcome =
        statusCode >= 300 && statusCode < 400 ? "redirect" : "http_error";
      return { outcome, statusCode, latencyMs, ...read };
    } catch (error) {
      return { ...classifyError(error, timeoutMs), latencyMs: performance.now() - startedAt };
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
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

  /**
   * Reads at most `maxResponseBytes` of the body, then drops the rest with the connection.
   * `complete` is false when the body was still arriving at `deadline` (a `performance.now()`
   * value).
   */
  async #drain(
    body: AsyncIterable<Buffer> & { destroy(): void },
    deadline: number,
  ): Promise<{ complete: boolean; bytes: number; truncated: boolean }> {
    let received = 0;
    for await (const chunk of body) {
      received += chunk.length;
      if (performance.now() > deadline) {
        body.destroy();
        return { complete: false, bytes: received, truncated: false };
      }
      if (received >= this.#maxResponseBytes) {
        body.destroy();
        return { complete: true, bytes: received, truncated: true };
      }
    }
    return { complete: performance.now() <= deadline, bytes: received, truncated: false };
  }
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
