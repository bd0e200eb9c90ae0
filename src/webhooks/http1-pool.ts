import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { FifoQueue } from "./fifo-queue.js";
import {
  Http1ResponseParser,
  InvalidResponseError,
  type ResponseSink,
} from "./http1-response-parser.js";

/** One request on its way through a pool: the pool reports what happens to it. */
export interface Exchange extends ResponseSink {
  /** True once the attempt has its result; the pool skips and drops settled exchanges. */
  readonly settled: boolean;
  /** The request bytes: request line, headers and body. */
  readonly request: Buffer;
  /** The connection carrying the exchange, set by the pool; `undefined` while queued. */
  connection: Http1Connection | undefined;
  /** Reports a connection failure before the response ended. */
  onConnectionError(error: Error, responseStarted: boolean): void;
}

/** The address a pool connects to: host, port and whether to speak TLS. */
export interface PoolOrigin {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface PoolOptions {
  /** Connections open at once; further requests wait in arrival order. */
  readonly maxConnections: number;
  /** Milliseconds an idle connection is kept for reuse. */
  readonly keepAliveMs: number;
}

/** The read buffer of every plain TCP connection; reads are handled one at a time. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(65_536);

/** The error of a connection closed by the receiver before the response ended. */
export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
  readonly code = "ECONNRESET";
}

/**
 * One HTTP/1.1 connection carrying one request at a time, as Go's `net/http` transport and
 * most webhook senders do: pipelining a POST would let one lost response swallow others.
 */
export class Http1Connection {
  readonly #pool: OriginPool;
  readonly #socket: Socket;
  readonly #parser = new Http1ResponseParser();
  #exchange: Exchange | undefined;
  #closed = false;
  /** Responses completed on this connection; above 0 it is a reused keep-alive connection. */
  #responses = 0;
  /** True once a byte of the current exchange's response arrived. */
  #responseStarted = false;
  /** An exchange to send again on a new connection once this one has closed. */
  #replay: Exchange | undefined;
  /** `performance.now()` when the connection last became idle. */
  idleSinceMs = 0;

  constructor(pool: OriginPool, origin: PoolOrigin) {
    this.#pool = pool;
    this.#socket = origin.tls
      ? connectTls({
          host: origin.host,
          port: origin.port,
          ALPNProtocols: ["http/1.1"],
          ...(/^[\d.:]+$/.test(origin.host) ? {} : { servername: origin.host }),
        })
      : connectTcp({
          host: origin.host,
          port: origin.port,
          // Reads land in one shared buffer instead of a new one per read: the parser keeps
          // nothing of a chunk past the call but copies of unfinished heads and lines.
          onread: {
            buffer: SHARED_READ_BUFFER,
            callback: (bytes: number, buffer: Uint8Array) => {
              this.#onData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
              return true;
            },
          },
        });
    this.#socket.setNoDelay(true);
    if (origin.tls) {
      this.#socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    }
    this.#socket.on("end", () => this.#onEnd());
    this.#socket.on("error", (error: Error) => this.#fail(error));
    this.#socket.on("close", () => this.#onClose());
  }

  /** True once the connection cannot carry a request: ended, failed or destroyed. */
  get closed(): boolean {
    return this.#closed || this.#socket.destroyed;
  }

  /** True while the current response has no length, so only the end of the connection ends it. */
  get readsUntilClose(): boolean {
    return this.#parser.endsWithConnection;
  }

  /** Writes the exchange's request; the connection must be idle. */
  send(exchange: Exchange): void {
    this.#exchange = exchange;
    this.#responseStarted = false;
    exchange.connection = this;
    this.#parser.expect(exchange);
    this.#socket.ref();
    this.#socket.write(exchange.request);
  }

  /** Marks the connection idle: it no longer keeps the process alive. */
  park(nowMs: number): void {
    this.idleSinceMs = nowMs;
    this.#socket.unref();
  }

  /** Closes the connection at once; an exchange on it gets no further events. */
  destroy(): void {
    this.#exchange = undefined;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === undefined || exchange.settled) {
      // Bytes with no request waiting, or for an attempt already decided: the connection is unusable.
      this.destroy();
      return;
    }
    this.#responseStarted = true;
    try {
      this.#parser.feed(chunk);
    } catch (error) {
      if (error instanceof InvalidResponseError) {
        this.#exchange = undefined;
        exchange.onConnectionError(error, this.#parser.headRead);
        this.destroy();
        return;
      }
      throw error;
    }
  }

  /** Called by the exchange once its response is complete. */
  finished(reusable: boolean): void {
    this.#exchange = undefined;
    this.#responses++;
    if (reusable && !this.closed) {
      this.#pool.release(this);
    } else {
      this.destroy();
    }
  }

  #onEnd(): void {
    if (this.#exchange !== undefined && this.#parser.finishOnClose()) {
      this.#exchange = undefined;
    }
    this.#failClosed();
  }

  /** Fails the current exchange, if any, as closed by the receiver, and destroys the socket. */
  #failClosed(): void {
    if (this.#exchange === undefined) {
      // No error object to build: an idle close or a read-until-close response is routine.
      this.#socket.destroy();
      return;
    }
    const message = this.#parser.headRead
      ? "the receiver closed the connection before the response body ended"
      : "the receiver closed the connection before sending a response";
    this.#fail(new ConnectionClosedError(message));
  }

  #fail(error: Error): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (exchange !== undefined && !exchange.settled) {
      if (this.#mayReplay(error)) {
        exchange.connection = undefined;
        this.#replay = exchange;
      } else {
        exchange.onConnectionError(error, this.#parser.headRead);
      }
    }
    this.#socket.destroy();
  }

  /**
   * True when a reused connection closed before any byte of the response: the receiver most
   * likely closed it as idle while the request was on its way, so the request was never
   * processed. RFC 9112 section 9.3.1 lets a client retry a non-idempotent request when it
   * can establish that the request is idempotent. A webhook delivery is, since receivers
   * deduplicate on its delivery id. Go's net/http transport (`shouldRetryRequest`) makes the same check
   * but retries a POST only when it has an Idempotency-Key header, so there this attempt fails.
   */
  #mayReplay(error: Error): boolean {
    if (this.#responses === 0 || this.#responseStarted) {
      return false;
    }
    const code = (error as Error & { code?: unknown }).code;
    return code === "ECONNRESET" || code === "EPIPE";
  }

  #onClose(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#failClosed();
    const replay = this.#replay;
    this.#replay = undefined;
    this.#pool.removed(this, replay);
  }
}

/** Keep-alive connections to one origin, at most `maxConnections` at once. */
export class OriginPool {
  readonly #origin: PoolOrigin;
  readonly #options: PoolOptions;
  readonly #idle: Http1Connection[] = [];
  readonly #queue = new FifoQueue<Exchange>();
  #open = 0;

  constructor(origin: PoolOrigin, options: PoolOptions) {
    this.#origin = origin;
    this.#options = options;
  }

  /** Sends `exchange` on an idle connection, a new one, or when one frees up. */
  dispatch(exchange: Exchange): void {
    const connection = this.#takeIdle();
    if (connection !== undefined) {
      connection.send(exchange);
      return;
    }
    if (this.#open < this.#options.maxConnections) {
      this.#open++;
      new Http1Connection(this, this.#origin).send(exchange);
      return;
    }
    this.#queue.push(exchange);
  }

  /** Takes back a connection whose response is complete, for the next request. */
  release(connection: Http1Connection): void {
    const next = this.#nextWaiting();
    if (next !== undefined) {
      connection.send(next);
      return;
    }
    connection.park(performance.now());
    this.#idle.push(connection);
  }

  /**
   * Forgets a closed connection and opens another for `replay`, the exchange it carried when
   * it closed early, or for a waiting exchange. A replay gets a new connection rather than an
   * idle one, because an idle connection may be closing for the same reason.
   */
  removed(connection: Http1Connection, replay?: Exchange): void {
    this.#open--;
    const index = this.#idle.indexOf(connection);
    if (index >= 0) {
      this.#idle.splice(index, 1);
    }
    if (replay !== undefined && !replay.settled) {
      this.#open++;
      new Http1Connection(this, this.#origin).send(replay);
      return;
    }
    const next = this.#nextWaiting();
    if (next !== undefined) {
      this.dispatch(next);
    }
  }

  /** Closes idle connections; busy ones close when their exchange ends. */
  closeIdle(): void {
    for (const connection of this.#idle.splice(0)) {
      connection.destroy();
    }
  }

  /** Returns the oldest queued exchange not yet settled, dropping settled ones. */
  #nextWaiting(): Exchange | undefined {
    for (;;) {
      const exchange = this.#queue.shift();
      if (exchange === undefined || !exchange.settled) {
        return exchange;
      }
    }
  }

  #takeIdle(): Http1Connection | undefined {
    const nowMs = performance.now();
    for (;;) {
      // Most recently used first: it is the least likely to have been closed by the receiver.
      const connection = this.#idle.pop();
      if (connection === undefined) {
        return undefined;
      }
      if (!connection.closed && nowMs - connection.idleSinceMs < this.#options.keepAliveMs) {
        return connection;
      }
      connection.destroy();
    }
  }
}
