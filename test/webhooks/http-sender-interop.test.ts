import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import {
  HttpSender,
  type HttpSenderOptions,
  type SendResult,
} from "../../src/webhooks/http-sender.js";
import { Http1ResponseParser, MAX_HEAD_BYTES } from "../../src/webhooks/http1-response-parser.js";
import { type RawReceiver, type RawRespond, startRawReceiver } from "../fixtures/raw-receiver.js";

const PYTHON_RECEIVERS = join(
  dirname(fileURLToPath(import.meta.url)),
  "../fixtures/python-receivers.py",
);
const PYTHON_AVAILABLE = spawnSync("python3", ["--version"]).status === 0;

/** True when ::1 can be bound here; containers without IPv6 cannot. */
const LOOPBACK_IPV6 = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once("error", () => resolve(false));
  probe.listen(0, "::1", () => probe.close(() => resolve(true)));
});

const closers: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) {
    await close();
  }
});

function newSender(options: HttpSenderOptions = {}): HttpSender {
  const sender = new HttpSender({ attemptTimeoutMs: 2_000, ...options });
  closers.push(() => sender.close());
  return sender;
}

function post(sender: HttpSender, url: string, body = '{"id":"evt_1"}'): Promise<SendResult> {
  return sender.send({ url, headers: { "content-type": "application/json" }, body });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts test/fixtures/python-receivers.py in `mode` and returns its URL once it listens. */
async function startPythonReceiver(mode: string): Promise<string> {
  const child: ChildProcess = spawn("python3", [PYTHON_RECEIVERS, mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  closers.push(() => {
    child.kill();
  });
  const port = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const newline = output.indexOf("\n");
      if (newline >= 0) {
        resolve(output.slice(0, newline).trim());
      }
    });
    child.on("exit", (code) => reject(new Error(`python-receivers.py ${mode} exited ${code}`)));
  });
  return `http://127.0.0.1:${port}/hooks`;
}

/** Starts a raw receiver on `host` that the test's cleanup closes. */
async function startReceiver(respond: RawRespond, host?: string): Promise<RawReceiver> {
  const receiver = await startRawReceiver(respond, { host });
  closers.push(() => receiver.close());
  return receiver;
}

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

function countOutcomes(results: readonly SendResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = `${result.outcome}${result.error === undefined ? "" : `: ${result.error}`}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe.skipIf(!PYTHON_AVAILABLE)("HttpSender against Python http.server receivers", () => {
  it.each([
    ["http10", 17],
    ["http10-length", 17],
    ["http10-unread", 17],
    ["http11", 17],
    ["http11-close", 17],
    ["continue", 17],
    ["early-hints", 17],
    ["obs-fold", 17],
    ["chunked", 17],
  ])("%s responses succeed", async (mode, responseBytes) => {
    const url = await startPythonReceiver(mode);
    const sender = newSender();

    const sequential: SendResult[] = [];
    for (let index = 0; index < 5; index++) {
      sequential.push(await post(sender, url));
    }
    const parallel = await Promise.all(Array.from({ length: 20 }, () => post(sender, url)));

    expect(countOutcomes(sequential)).toEqual({ success: 5 });
    expect(countOutcomes(parallel)).toEqual({ success: 20 });
    expect(sequential[0]?.statusCode).toBe(200);
    expect(sequential[0]?.responseBytes).toBe(responseBytes);
  });

  it("413 before the body is read is an http_error", async () => {
    const url = await startPythonReceiver("reject-413");
    const sender = newSender();

    const small = await post(sender, url);
    // NOTE: bodies of 2 MiB and more fill the socket buffers, so the write fails with EPIPE
    // before the 413 is read, and the attempt counts as connection_reset.
    const large = await post(sender, url, `{"pad":"${"x".repeat(256 * 1024)}"}`);

    expect(small).toMatchObject({ outcome: "http_error", statusCode: 413 });
    expect(large).toMatchObject({ outcome: "http_error", statusCode: 413 });
  });

  it("HTTP/1.1 answer without a length times out", async () => {
    const url = await startPythonReceiver("http11-no-length");
    const sender = newSender({ attemptTimeoutMs: 300 });

    const result = await post(sender, url);

    expect(result).toMatchObject({ outcome: "timeout", responseBytes: 17 });
    expect(result.error).toMatch(/Content-Length/);
  });
});

/** Starts a Node.js http server on 127.0.0.1 that responds 200 after reading the body. */
async function startNodeReceiver(
  keepAliveTimeoutMs: number,
): Promise<{ url: string; server: HttpServer }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, server };
}

describe("HttpSender against in-process Node.js servers with short keep-alive timeouts", () => {
  it.each([1, 100])("keepAliveTimeout %i ms loses no attempt", async (keepAliveTimeoutMs) => {
    const { url } = await startNodeReceiver(keepAliveTimeoutMs);
    const sender = newSender({ connectionsPerOrigin: 8 });

    const results: SendResult[] = [];
    for (let wave = 0; wave < 40; wave++) {
      const batch = Array.from({ length: 1 + (wave % 12) }, () => post(sender, url));
      results.push(...(await Promise.all(batch)));
      await sleep(wave % 3 === 0 ? 0 : (wave * 7) % 5);
    }

    expect(countOutcomes(results)).toEqual({ success: results.length });
  });
});

/** A complex response: 100 Continue, 103 Early Hints, then a chunked 200 with extensions and trailers. */
const LAYERED_RESPONSE =
  "HTTP/1.1 100 Continue\r\n\r\n" +
  "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Long: " +
  "v".repeat(300) +
  "\r\n\r\n" +
  '4;ext=1;quoted="a b"\r\nwxyz\r\n' +
  "A\r\n0123456789\r\n" +
  "0;end\r\nX-Trailer: t\r\n\r\n";

describe("Http1ResponseParser on interoperability cases", () => {
  it("frames the layered response split at every byte", () => {
    const bytes = Buffer.from(LAYERED_RESPONSE, "latin1");

    for (let split = 0; split <= bytes.length; split++) {
      const parser = new Http1ResponseParser();
      const seen = { status: 0, bytes: 0, reusable: undefined as boolean | undefined };
      parser.expect({
        onStatus: (statusCode) => {
          seen.status = statusCode;
        },
        onBodyBytes: (count) => {
          seen.bytes += count;
          return true;
        },
        onComplete: (reusable) => {
          seen.reusable = reusable;
        },
      });

      parser.feed(bytes.subarray(0, split));
      parser.feed(bytes.subarray(split));

      expect(seen, `split at byte ${split}`).toEqual({ status: 200, bytes: 14, reusable: true });
    }
  });

  it("unfolds an obs-fold Connection header", () => {
    const parser = new Http1ResponseParser();
    let reusable: boolean | undefined;
    parser.expect({
      onStatus: () => undefined,
      onBodyBytes: () => true,
      onComplete: (value) => {
        reusable = value;
      },
    });

    parser.feed(
      Buffer.from(
        "HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: keep-alive,\r\n\tclose\r\nContent-Length: 0\r\n\r\n",
      ),
    );

    expect(reusable).toBe(false);
  });
});

describe("HttpSender against raw receivers", () => {
  it("reads a response split into two packets at any byte", async () => {
    const receiver = await startReceiver((socket, request) => {
      const split = Number(request.body.toString("utf8"));
      socket.write(LAYERED_RESPONSE.slice(0, split));
      setTimeout(() => socket.write(LAYERED_RESPONSE.slice(split)), 1);
    });
    const sender = newSender({ connectionsPerOrigin: 1 });

    const results: SendResult[] = [];
    for (let split = 1; split < LAYERED_RESPONSE.length; split += 7) {
      results.push(await post(sender, receiver.url, String(split)));
    }

    expect(countOutcomes(results)).toEqual({ success: results.length });
    expect(results.every((result) => result.responseBytes === 14)).toBe(true);
    expect(receiver.connections).toBe(1);
  });

  it("reads a response written one byte at a time", async () => {
    const receiver = await startReceiver((socket) => {
      let offset = 0;
      const drip = () => {
        if (offset < LAYERED_RESPONSE.length && !socket.destroyed) {
          socket.write(LAYERED_RESPONSE.slice(offset, offset + 1));
          offset++;
          setImmediate(drip);
        }
      };
      drip();
    });
    const sender = newSender();

    const first = await post(sender, receiver.url);
    const second = await post(sender, receiver.url);

    expect(first).toMatchObject({ outcome: "success", statusCode: 200, responseBytes: 14 });
    expect(second).toMatchObject({ outcome: "success", statusCode: 200, responseBytes: 14 });
    expect(receiver.connections).toBe(1);
  });

  it("short body then close is connection_reset", async () => {
    const receiver = await startReceiver((socket) =>
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"),
    );
    const sender = newSender();

    const result = await post(sender, receiver.url);

    expect(result).toMatchObject({ outcome: "connection_reset", statusCode: 200 });
  });

  it("extra bytes discard the connection", async () => {
    const receiver = await startReceiver((socket) => socket.write(`${OK}\r\nGARBAGE`));
    const sender = newSender();

    const first = await post(sender, receiver.url);
    const second = await post(sender, receiver.url);

    expect(first).toMatchObject({ outcome: "success", statusCode: 200 });
    expect(second).toMatchObject({ outcome: "success", statusCode: 200 });
    expect(receiver.connections).toBe(2);
  });

  it("late extra bytes spare the next attempt", async () => {
    const receiver = await startReceiver((socket) => {
      socket.write(OK);
      setTimeout(() => socket.write("\r\n"), 5);
    });
    const sender = newSender();

    const results: SendResult[] = [];
    for (let index = 0; index < 5; index++) {
      results.push(await post(sender, receiver.url));
      await sleep(20);
    }

    expect(countOutcomes(results)).toEqual({ success: 5 });
  });

  it("rejects a head over MAX_HEAD_BYTES", async () => {
    // NOTE: Go's net/http transport accepts response heads up to 10 MiB by default, so a
    // receiver sending 64 KiB to 10 MiB of headers fails here but not against Elido.
    const filler = Array.from(
      { length: 20 },
      (_, index) => `X-Filler-${index}: ${"f".repeat(4_000)}\r\n`,
    );
    let answered = 0;
    const receiver = await startReceiver((socket) => {
      const headers = answered++ === 0 ? filler.join("") : filler.slice(0, 10).join("");
      socket.write(`HTTP/1.1 200 OK\r\n${headers}Content-Length: 2\r\n\r\n{}`);
    });
    const sender = newSender();

    const over = await post(sender, receiver.url);
    const under = await post(sender, receiver.url);

    expect(over).toMatchObject({ outcome: "network_error" });
    expect(over.error).toMatch(
      new RegExp(
        `^invalid HTTP/1\\.1 response: response head of \\d+ bytes exceeds ${MAX_HEAD_BYTES} bytes$`,
      ),
    );
    expect(under).toMatchObject({ outcome: "success", statusCode: 200, responseBytes: 2 });
  });

  it("resends a request a reused connection lost", async () => {
    const receiver = await startReceiver((socket, _request, connection, index) => {
      if (connection === 0 && index === 1) {
        socket.destroy();
        return;
      }
      socket.write(OK);
    });
    const sender = newSender();

    const first = await post(sender, receiver.url, '{"n":1}');
    const second = await post(sender, receiver.url, '{"n":2}');

    expect(first.outcome).toBe("success");
    expect(second).toMatchObject({ outcome: "success", statusCode: 200 });
    expect(receiver.requests.map((request) => request.body.toString("utf8"))).toEqual([
      '{"n":1}',
      '{"n":2}',
      '{"n":2}',
    ]);
    expect(receiver.connections).toBe(2);
  });

  it.each([
    ["a new connection closes unanswered", (_socket: Socket, _index: number) => true],
    [
      "a reused connection closes mid-response",
      (socket: Socket, index: number) => {
        if (index === 0) {
          return false;
        }
        socket.write("HTTP/1.1 200 OK\r\nContent-Le");
        return true;
      },
    ],
  ])("does not send again when %s", async (_case, closes) => {
    const receiver = await startReceiver((socket, _request, _connection, index) => {
      if (closes(socket, index)) {
        socket.destroy();
        return;
      }
      socket.write(OK);
    });
    const sender = newSender();

    const results: SendResult[] = [];
    for (let index = 0; index < 2; index++) {
      results.push(await post(sender, receiver.url));
    }

    expect(results.at(-1)?.outcome).toBe("connection_reset");
    expect(receiver.requests).toHaveLength(2);
  });

  it("times out a receiver that never reads", async () => {
    const server = createServer((socket) => {
      socket.pause();
      socket.on("error", () => undefined);
      closers.push(() => {
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const sender = newSender({ attemptTimeoutMs: 200 });

    const results = await Promise.all([
      post(sender, url),
      post(sender, url, `{"pad":"${"x".repeat(8 * 1024 * 1024)}"}`),
    ]);

    expect(results.map((result) => result.outcome)).toEqual(["timeout", "timeout"]);
    expect(results[1]?.latencyMs).toBeLessThan(1_000);
  });

  it("records a refused port as connection_refused", async () => {
    const receiver = await startReceiver((socket) => socket.write(OK));
    const sender = newSender();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const addressResult = await post(sender, `http://127.0.0.1:${port}/`);
    const localhostResult = await post(sender, `http://localhost:${port}/`);

    expect(addressResult).toMatchObject({ outcome: "connection_refused" });
    expect(localhostResult).toMatchObject({ outcome: "connection_refused" });
    expect(receiver.connections).toBe(0);
  });

  it("reaches every address localhost resolves to", async () => {
    const addresses = await lookup("localhost", { all: true });
    const sender = newSender();

    for (const { address } of addresses) {
      const receiver = await startReceiver((socket) => socket.write(OK), address);
      const result = await post(sender, `http://localhost:${receiver.port}/hooks`);

      expect(result, address).toMatchObject({ outcome: "success", statusCode: 200 });
      expect(receiver.requests[0]?.head).toContain(`\r\nhost: localhost:${receiver.port}\r\n`);
    }
  });

  it.skipIf(!LOOPBACK_IPV6)("reaches an IPv6 literal with its brackets in Host", async () => {
    const receiver = await startReceiver((socket) => socket.write(OK), "::1");
    const sender = newSender();

    const result = await post(sender, `http://[::1]:${receiver.port}/a?b=c`);

    expect(result).toMatchObject({ outcome: "success", statusCode: 200 });
    expect(receiver.requests[0]?.head.split("\r\n").slice(0, 2)).toEqual([
      "POST /a?b=c HTTP/1.1",
      `host: [::1]:${receiver.port}`,
    ]);
  });

  it.each([
    ["", "/"],
    ["/", "/"],
    ["?a=1&b=%20", "/?a=1&b=%20"],
    ["/p/q?x=y#fragment", "/p/q?x=y"],
    ["/caf\u00e9 bar", "/caf%C3%A9%20bar"],
  ])("writes the request target of the URL suffix %j", async (suffix, target) => {
    const receiver = await startReceiver((socket) => socket.write(OK));
    const sender = newSender();

    const result = await post(sender, `http://127.0.0.1:${receiver.port}${suffix}`);

    expect(result.outcome).toBe("success");
    expect(receiver.requests[0]?.head.split("\r\n")[0]).toBe(`POST ${target} HTTP/1.1`);
  });

  it("close drains attempts and resolves twice", async () => {
    const receiver = await startReceiver((socket) => setTimeout(() => socket.write(OK), 30));
    const sender = new HttpSender({ attemptTimeoutMs: 2_000, connectionsPerOrigin: 2 });

    const pending = Array.from({ length: 10 }, () => post(sender, receiver.url));
    const first = sender.close();
    const second = sender.close();
    const closed = await Promise.race([
      Promise.all([first, second]).then(() => "closed"),
      sleep(1_500).then(() => "still open"),
    ]);

    expect(closed).toBe("closed");
    expect(countOutcomes(await Promise.all(pending))).toEqual({ success: 10 });
    expect(await post(sender, receiver.url)).toMatchObject({ outcome: "network_error" });
  });
});

const T0 = Date.parse("2026-05-15T09:00:00Z");
const MINUTE = 60_000;

describe("Dispatcher through HttpSender", () => {
  it("delivers 10,000 events to a receiver closing every tenth connection", {
    timeout: 120_000,
  }, async () => {
    // Every tenth connection ends as if the receiver's idle timeout had fired just as the
    // second request arrived: closed with no response.
    const receiver = await startReceiver((socket, _request, connection, index) => {
      if (connection % 10 === 9 && index === 1) {
        socket.destroy();
        return;
      }
      socket.write(OK);
    });
    const sim = new Simulation({ clock: new VirtualClock(T0), seed: 7, attemptTimeoutMs: 5_000 });
    closers.push(() => sim.close());
    const endpoint = sim.endpoints.register(receiver.url, ["click.recorded"], T0, "whsec_interop");
    const link = sim.workspace.links[0];
    if (link === undefined) {
      throw new Error("the simulation has no link");
    }
    const events = 10_000;
    for (let index = 0; index < events; index++) {
      sim.scheduler.at(T0 + Math.floor(index / 50), () => {
        const click = sim.createDetachedClick(link, sim.clock.now() * 1_000);
        sim.dispatcher.publish(
          buildClickEvent(`evt_${index}`, click.occurred_at, click),
          click.click_id,
        );
      });
    }

    const quiet = await sim.scheduler.runUntilQuiet(T0 + 120 * MINUTE);

    const deliveries = sim.deliveryLog
      .all()
      .filter((delivery) => delivery.endpointId === endpoint.id);
    const failedAttempts = deliveries.flatMap((delivery) =>
      delivery.attempts
        .filter((attempt) => attempt.outcome !== "success")
        .map((attempt) => `${attempt.outcome}: ${attempt.error}`),
    );
    expect(quiet).toBe(true);
    expect(sim.deliveryLog.pendingCount()).toBe(0);
    expect(deliveries).toHaveLength(events);
    expect(deliveries.filter((delivery) => delivery.status === "succeeded")).toHaveLength(events);
    expect(failedAttempts).toEqual([]);
    expect(receiver.connections).toBeGreaterThan(10);
  });
});
