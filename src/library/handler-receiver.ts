import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A webhook delivery as a handler receives it: the raw body bytes, for signature checks. */
export interface ReceiverRequest {
  readonly method: string;
  /** Path and query, e.g. `/webhook`. */
  readonly url: string;
  /** Lowercase header names, as node:http gives them. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ReceiverResponse {
  readonly status: number;
  /** A string or Buffer is sent as is; any other value as JSON. Default: empty. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A receiver written as a function; the simulator serves it over HTTP on 127.0.0.1. */
export type ReceiverHandler = (
  request: ReceiverRequest,
) => ReceiverResponse | Promise<ReceiverResponse>;

/** Largest request body a handler receiver reads, in bytes; deliveries are a few hundred. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HandlerServer {
  /** `http://127.0.0.1:<port>/webhook` */
  readonly url: string;
  /** Errors the handler threw or rejected with. Each got a 500 response. */
  readonly errors: readonly unknown[];
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 at a free port, so the dispatcher reaches it over real HTTP as
 * it would reach a receiver in another process. A handler that throws gets a 500 whose body
 * names the error, and the error is kept in `errors`.
 */
export async function startHandlerServer(handler: ReceiverHandler): Promise<HandlerServer> {
  const errors: unknown[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    request.on("error", () => response.destroy());
    request.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { "content-type": "text/plain" });
        response.end(`request body larger than ${MAX_BODY_BYTES} bytes`);
        return;
      }
      const received: ReceiverRequest = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: request.headers,
        body: Buffer.concat(chunks),
      };
      Promise.resolve()
        .then(() => handler(received))
        .then(
          (answer) => {
            const { body, contentType } = encodeBody(answer.body);
            response.writeHead(answer.status, {
              ...(contentType === undefined ? {} : { "content-type": contentType }),
              ...answer.headers,
            });
            response.end(body);
          },
          (error: unknown) => {
            errors.push(error);
            response.writeHead(500, { "content-type": "text/plain" });
            response.end(
              `receiver handler failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          },
        );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from the dispatcher's pool would hold close() open.
        server.closeAllConnections();
      }),
  };
}

function encodeBody(body: unknown): { body: string | Buffer; contentType?: string } {
  if (body === undefined) {
    return { body: "" };
  }
  if (typeof body === "string") {
    return { body, contentType: "text/plain; charset=utf-8" };
  }
  if (Buffer.isBuffer(body)) {
    return { body, contentType: "application/octet-stream" };
  }
  return { body: JSON.stringify(body), contentType: "application/json" };
}
