import { describe, expect, it } from "vitest";
import {
  Http1ResponseParser,
  InvalidResponseError,
  type ResponseSink,
} from "../../src/webhooks/http1-response-parser.js";

interface Recorded {
  status: number | undefined;
  bytes: number;
  completed: boolean | undefined;
}

function recorder(stopAfterBytes = Number.POSITIVE_INFINITY): ResponseSink & Recorded {
  const sink = {
    status: undefined as number | undefined,
    bytes: 0,
    completed: undefined as boolean | undefined,
    onStatus(statusCode: number) {
      sink.status = statusCode;
    },
    onBodyBytes(count: number) {
      sink.bytes += count;
      return sink.bytes < stopAfterBytes;
    },
    onComplete(reusable: boolean) {
      sink.completed = reusable;
    },
  };
  return sink;
}

/** Feeds `text` in pieces of `size` bytes, as a slow or fragmenting receiver would send it. */
function feedInPieces(parser: Http1ResponseParser, text: string, size: number): void {
  const bytes = Buffer.from(text, "latin1");
  for (let offset = 0; offset < bytes.length; offset += size) {
    parser.feed(bytes.subarray(offset, offset + size));
  }
}

describe("Http1ResponseParser", () => {
  it.each([1, 3, 7, 1_000])("frames a Content-Length body fed %i bytes at a time", (size) => {
    const parser = new Http1ResponseParser();
    const sink = recorder();
    parser.expect(sink);
    feedInPieces(parser, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", size);
    expect(sink).toMatchObject({ status: 200, bytes: 5, completed: true });
    expect(parser.active).toBe(false);
  });

  it.each([1, 2, 5, 1_000])(
    "frames a chunked body with trailers fed %i bytes at a time",
    (size) => {
      const parser = new Http1ResponseParser();
      const sink = recorder();
      parser.expect(sink);
      feedInPieces(
        parser,
        "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n" +
          "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: 1\r\n\r\n",
        size,
      );
      expect(sink).toMatchObject({ status: 202, bytes: 23, completed: true });
    },
  );

  it("skips a 100 Continue and reads the final response", () => {
    const parser = new Http1ResponseParser();
    const sink = recorder();
    parser.expect(sink);
    parser.feed(
      Buffer.from("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nServer: x\r\n\r\n"),
    );
    expect(sink).toMatchObject({ status: 204, bytes: 0, completed: true });
  });

  it("reads an HTTP/1.0 body without a length until the connection closes", () => {
    const parser = new Http1ResponseParser();
    const sink = recorder();
    parser.expect(sink);
    parser.feed(Buffer.from("HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6\r\n\r\nok"));
    expect(sink.completed).toBeUndefined();
    expect(parser.endsWithConnection).toBe(true);
    expect(parser.finishOnClose()).toBe(true);
    expect(sink).toMatchObject({ status: 200, bytes: 2, completed: false });
  });

  it.each([
    ["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false],
    ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true],
    ["HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false],
    ["HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", true],
    ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", false],
    ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false],
  ])("decides whether the connection is reusable after %j", (text, reusable) => {
    const parser = new Http1ResponseParser();
    const sink = recorder();
    parser.expect(sink);
    parser.feed(Buffer.from(text));
    expect(sink.completed).toBe(reusable);
  });

  it("stops reading when the sink has read enough", () => {
    const parser = new Http1ResponseParser();
    const sink = recorder(10);
    parser.expect(sink);
    parser.feed(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${"x".repeat(100)}`));
    expect(sink.bytes).toBe(100);
    expect(sink.completed).toBeUndefined();
    expect(parser.active).toBe(false);
  });

  it.each([
    ["garbage\r\n\r\n", /status line "garbage" is not HTTP\/1\.x/],
    ["HTTP/2 200\r\n\r\n", /is not HTTP\/1\.x/],
    ["HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", /has no valid name/],
    ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", /Content-Length "-1" is invalid/],
    [
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      /two different Content-Length/,
    ],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunk size "zz" is invalid/],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", /not followed by CRLF/],
    ["HTTP/1.1 101 Switching Protocols\r\n\r\n", /101 Switching Protocols/],
  ])("rejects %j", (text, message) => {
    const parser = new Http1ResponseParser();
    parser.expect(recorder());
    expect(() => parser.feed(Buffer.from(text))).toThrow(InvalidResponseError);
    parser.expect(recorder());
    expect(() => parser.feed(Buffer.from(text))).toThrow(message);
  });

  it("rejects a head that never ends", () => {
    const parser = new Http1ResponseParser();
    parser.expect(recorder());
    expect(() =>
      feedInPieces(parser, `HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`, 4_096),
    ).toThrow(/response head exceeds 65536 bytes/);
  });

  it("rejects bytes that arrive with no request", () => {
    const parser = new Http1ResponseParser();
    expect(() => parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\n"))).toThrow(/with no request/);
  });
});
