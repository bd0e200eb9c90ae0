import { afterEach, describe, expect, it } from "vitest";
import { HttpSender, type HttpSenderOptions } from "../../src/webhooks/http-sender.js";
import { type RawReceiver, type RawRespond, startRawReceiver } from "../fixtures/raw-receiver.js";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setUp(
  respond: RawRespond,
  options: HttpSenderOptions = {},
): Promise<{ receiver: RawReceiver; sender: HttpSender }> {
  const receiver = await startRawReceiver(respond, { path: "/hooks/elido?x=1" });
  const sender = new HttpSender({ attemptTimeoutMs: 2_000, ...options });
  closers.push(
    () => sender.close(),
    () => receiver.close(),
  );
  return { receiver, sender };
}

function post(sender: HttpSender, url: string, body = '{"id":"evt_1"}') {
  return sender.send({ url, headers: { "content-type": "application/json" }, body });
}

describe("HttpSender", () => {
  it("writes Host and the UTF-8 Content-Length", async () => {
    const { receiver, sender } = await setUp((socket) => socket.write(OK));
    const body = '{"city":"Zürich","emoji":"🚀"}';

    const result = await sender.send({
      url: receiver.url,
      headers: { "content-type": "application/json", "x-webhook-attempt": "1" },
      body,
    });

    expect(result).toMatchObject({ outcome: "success", statusCode: 200, responseBytes: 2 });
    const request = receiver.requests[0];
    const port = new URL(receiver.url).port;
    expect(request?.head.split("\r\n")).toEqual([
      "POST /hooks/elido?x=1 HTTP/1.1",
      `host: 127.0.0.1:${port}`,
      "content-type: application/json",
      "x-webhook-attempt: 1",
      `content-length: ${Buffer.byteLength(body)}`,
    ]);
    expect(request?.body.toString("utf8")).toBe(body);
  });

  it("reuses one keep-alive connection", async () => {
    const { receiver, sender } = await setUp((socket) => socket.write(OK));

    for (let index = 0; index < 5; index++) {
      expect((await post(sender, receiver.url)).outcome).toBe("success");
    }

    expect(receiver.connections).toBe(1);
  });

  it("opens a new connection after Connection: close", async () => {
    const { receiver, sender } = await setUp((socket) =>
      socket.end("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    );

    for (let index = 0; index < 3; index++) {
      expect((await post(sender, receiver.url)).outcome).toBe("success");
    }

    expect(receiver.connections).toBe(3);
  });

  it("reads an HTTP/1.0 response until close", async () => {
    // Python's http.server responds this way unless a handler sets protocol_version to HTTP/1.1.
    const { receiver, sender } = await setUp((socket) =>
      socket.end("HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.12\r\n\r\nrecorded"),
    );

    const first = await post(sender, receiver.url);
    const second = await post(sender, receiver.url);

    expect(first).toMatchObject({ outcome: "success", statusCode: 200, responseBytes: 8 });
    expect(second.outcome).toBe("success");
    expect(receiver.connections).toBe(2);
  });

  it("reads a chunked response and keeps the connection", async () => {
    const { receiver, sender } = await setUp((socket) =>
      socket.write(
        "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nerr\r\n0\r\n\r\n",
      ),
    );

    const first = await post(sender, receiver.url);
    const second = await post(sender, receiver.url);

    expect(first).toMatchObject({ outcome: "http_error", statusCode: 500, responseBytes: 3 });
    expect(second.outcome).toBe("http_error");
    expect(receiver.connections).toBe(1);
  });

  it("queues requests beyond connectionsPerOrigin", async () => {
    const { receiver, sender } = await setUp((socket) => setTimeout(() => socket.write(OK), 5), {
      connectionsPerOrigin: 4,
    });

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => post(sender, receiver.url, `{"n":${index}}`)),
    );

    expect(results.every((result) => result.outcome === "success")).toBe(true);
    expect(receiver.connections).toBe(4);
    expect(receiver.requests).toHaveLength(40);
  });

  it("replaces a connection closed while idle", async () => {
    const { receiver, sender } = await setUp((socket) => {
      socket.write(OK);
      setTimeout(() => socket.end(), 20);
    });

    expect((await post(sender, receiver.url)).outcome).toBe("success");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await post(sender, receiver.url)).outcome).toBe("success");

    expect(receiver.connections).toBe(2);
  });

  it("drops connections idle beyond keepAliveMs", async () => {
    const { receiver, sender } = await setUp((socket) => socket.write(OK), { keepAliveMs: 30 });

    await post(sender, receiver.url);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await post(sender, receiver.url);

    expect(receiver.connections).toBe(2);
  });

  it("records a refused connection", async () => {
    const { receiver, sender } = await setUp((socket) => socket.write(OK));
    await receiver.close();

    const result = await post(sender, receiver.url);

    expect(result).toMatchObject({ outcome: "connection_refused", error: "connection refused" });
  });

  it("rejects header values containing CR or LF", async () => {
    const { receiver, sender } = await setUp((socket) => socket.write(OK));

    const result = await sender.send({
      url: receiver.url,
      headers: { "x-webhook-event": "click.recorded\r\nx-injected: 1" },
      body: "{}",
    });

    expect(result.outcome).toBe("network_error");
    expect(result.error).toMatch(/invalid value of request header x-webhook-event/);
    expect(receiver.connections).toBe(0);
  });

  it("waits on close for attempts in flight", async () => {
    const { receiver, sender } = await setUp((socket) => setTimeout(() => socket.write(OK), 50));

    const pending = post(sender, receiver.url);
    await sender.close();

    expect((await pending).outcome).toBe("success");
    const afterClose = await post(sender, receiver.url);
    expect(afterClose).toMatchObject({ outcome: "network_error" });
  });
});
