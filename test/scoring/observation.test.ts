import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ObservationError,
  parseObservation,
  readObservation,
  substitutePort,
} from "../../src/scoring/observation.js";

const SOURCE = "ledger.json";

// The braced placeholder that substitutePort replaces, kept out of template literals.
// biome-ignore lint/suspicious/noTemplateCurlyInString: `${PORT}` is the literal text under test.
const BRACED_PORT = "${PORT}";

/** Runs `parse` and returns the ObservationError it throws, failing the test if it throws none. */
function captureObservationError(parse: () => unknown): ObservationError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ObservationError);
    return error as ObservationError;
  }
  throw new Error("expected an ObservationError, but the observation parsed");
}

async function captureAsyncObservationError(read: Promise<unknown>): Promise<ObservationError> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ObservationError);
  return error as ObservationError;
}

describe("parseObservation", () => {
  it("parses click_ids with duplicates kept", () => {
    const observation = parseObservation('{"click_ids": ["a", "b", "a"]}', SOURCE);

    expect(observation).toEqual({ kind: "click_ids", source: SOURCE, clickIds: ["a", "b", "a"] });
  });

  it("parses counts by link id", () => {
    const observation = parseObservation('{"counts": {"90001": 3, "90002": 0}}', SOURCE);

    expect(observation.kind).toBe("counts");
    if (observation.kind !== "counts") {
      return;
    }
    expect(observation.source).toBe(SOURCE);
    expect([...observation.counts]).toEqual([
      [90001, 3],
      [90002, 0],
    ]);
  });

  it("parses JSON Lines of click_id", () => {
    const text = '{"click_id": "a"}\n{"click_id": "b"}\r\n\n{"click_id": "a"}\n';

    const observation = parseObservation(text, SOURCE);

    expect(observation).toEqual({ kind: "click_ids", source: SOURCE, clickIds: ["a", "b", "a"] });
  });

  it("parses a single JSON Lines record", () => {
    const observation = parseObservation('{"click_id": "only"}', SOURCE);

    expect(observation).toEqual({ kind: "click_ids", source: SOURCE, clickIds: ["only"] });
  });

  it.each(["", "  \n\n "])("returns no click ids for %j", (text) => {
    const observation = parseObservation(text, SOURCE);

    expect(observation).toEqual({ kind: "click_ids", source: SOURCE, clickIds: [] });
  });

  it("rejects click_ids that are not strings", () => {
    const error = captureObservationError(() =>
      parseObservation('{"click_ids": ["a", 2]}', SOURCE),
    );

    expect(error.code).toBe("ELIDO_SIM_ERR_OBSERVATION_INVALID");
    expect(error.message).toContain(SOURCE);
    expect(error.message).toContain('"click_ids" must be an array of strings');
  });

  it("rejects click_ids that are not an array", () => {
    const error = captureObservationError(() => parseObservation('{"click_ids": "a"}', SOURCE));

    expect(error.message).toContain('"click_ids" must be an array of strings');
  });

  it("rejects a negative count", () => {
    const error = captureObservationError(() =>
      parseObservation('{"counts": {"90001": -1}}', SOURCE),
    );

    expect(error.message).toContain('counts["90001"] = -1');
    expect(error.message).toContain("count >= 0");
  });

  it.each([
    ["a fractional count", '{"counts": {"90001": 1.5}}', 'counts["90001"] = 1.5'],
    ["a string count", '{"counts": {"90001": "3"}}', 'counts["90001"] = "3"'],
    ["a word as link id", '{"counts": {"abc": 3}}', 'counts["abc"] = 3'],
    ["a fractional link id", '{"counts": {"90001.5": 3}}', 'counts["90001.5"] = 3'],
    ["an empty link id", '{"counts": {"": 3}}', 'counts[""] = 3'],
  ])("rejects %s", (_label, text, expected) => {
    const error = captureObservationError(() => parseObservation(text, SOURCE));

    expect(error.message).toContain(expected);
    expect(error.message).toContain("expected an integer link id");
  });

  it("rejects counts that are not an object", () => {
    const error = captureObservationError(() => parseObservation('{"counts": [1, 2]}', SOURCE));

    expect(error.message).toContain('"counts" must be an object of link id to count');
  });

  it("names the JSON Lines line without click_id", () => {
    const text = '{"click_id": "a"}\n{"id": "b"}\n';

    const error = captureObservationError(() => parseObservation(text, SOURCE));

    expect(error.message).toContain(`${SOURCE} line 2`);
    expect(error.message).toContain('expected {"click_id": "..."}');
  });

  it("names the JSON Lines line that is not JSON", () => {
    const text = '{"click_id": "a"}\n{"click_id": "b"\n';

    const error = captureObservationError(() => parseObservation(text, SOURCE));

    expect(error.message).toContain(`${SOURCE} line 2: not JSON`);
  });

  it.each([
    ["plain text", "hello world"],
    ["a JSON array", '["a", "b"]'],
    ["a JSON string", '"a"'],
    ["an unknown object", '{"clicks": ["a"]}'],
    ["null", "null"],
  ])("rejects %s", (_label, text) => {
    const error = captureObservationError(() => parseObservation(text, SOURCE));

    expect(error.message).toContain(`Invalid observation in ${SOURCE}`);
    expect(error.message).toContain("Accepted formats");
  });
});

describe("substitutePort", () => {
  it("replaces $PORT", () => {
    expect(substitutePort("http://127.0.0.1:$PORT/ledger", 8123)).toBe(
      "http://127.0.0.1:8123/ledger",
    );
  });

  it("replaces the braced placeholder", () => {
    expect(substitutePort(`http://127.0.0.1:${BRACED_PORT}/ledger`, 8123)).toBe(
      "http://127.0.0.1:8123/ledger",
    );
  });

  it("replaces every occurrence", () => {
    expect(substitutePort(`$PORT ${BRACED_PORT} $PORT`, 9)).toBe("9 9 9");
  });

  it("keeps longer names like $PORTS", () => {
    expect(substitutePort("$PORTS $PORT_2", 9)).toBe("$PORTS $PORT_2");
  });

  it("keeps the text without a port", () => {
    expect(substitutePort("http://127.0.0.1:$PORT/ledger", undefined)).toBe(
      "http://127.0.0.1:$PORT/ledger",
    );
  });
});

describe("readObservation", () => {
  describe("from a file", () => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "elido-sim-observation-"));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("reads click_ids", async () => {
      const path = join(dir, "ledger.json");
      await writeFile(path, '{"click_ids": ["a", "a", "b"]}');

      const observation = await readObservation(path);

      expect(observation).toEqual({ kind: "click_ids", source: path, clickIds: ["a", "a", "b"] });
    });

    it("reads JSON Lines", async () => {
      const path = join(dir, "ledger.jsonl");
      await writeFile(path, '{"click_id": "a"}\n{"click_id": "b"}\n');

      const observation = await readObservation(path);

      expect(observation).toEqual({ kind: "click_ids", source: path, clickIds: ["a", "b"] });
    });

    it("rejects a missing file", async () => {
      const path = join(dir, "missing.json");

      const error = await captureAsyncObservationError(readObservation(path));

      expect(error.message).toContain(`Failed to read the observation file ${path}`);
      expect(error.message).toContain("ENOENT");
    });

    it("rejects invalid file content", async () => {
      const path = join(dir, "garbage.txt");
      await writeFile(path, "not an observation");

      const error = await captureAsyncObservationError(readObservation(path));

      expect(error.message).toContain(`Invalid observation in ${path}`);
    });
  });

  describe("from an HTTP server", () => {
    let server: Server | undefined;

    afterEach(async () => {
      const running = server;
      server = undefined;
      if (running?.listening) {
        running.closeAllConnections();
        await new Promise<void>((resolve) => running.close(() => resolve()));
      }
    });

    /** Starts a server on 127.0.0.1 that responds to every request with `status` and `body`. */
    async function serve(status: number, body: string): Promise<{ port: number; paths: string[] }> {
      const paths: string[] = [];
      server = createServer((request, response) => {
        paths.push(request.url ?? "");
        response.writeHead(status, { "content-type": "application/json" });
        response.end(body);
      });
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", () => resolve()));
      return { port: (listening.address() as AddressInfo).port, paths };
    }

    it("reads counts from $PORT", async () => {
      const { port, paths } = await serve(200, '{"counts": {"90001": 2}}');
      const source = "http://127.0.0.1:$PORT/ledger";

      const observation = await readObservation(source, port);

      expect(paths).toEqual(["/ledger"]);
      expect(observation.kind).toBe("counts");
      expect(observation.source).toBe(source);
      if (observation.kind === "counts") {
        expect(observation.counts.get(90001)).toBe(2);
      }
    });

    it("reads click_ids with braced placeholder", async () => {
      const { port } = await serve(200, '{"click_ids": ["x", "x"]}');

      const observation = await readObservation(`http://127.0.0.1:${BRACED_PORT}/ledger`, port);

      expect(observation.kind).toBe("click_ids");
      if (observation.kind === "click_ids") {
        expect(observation.clickIds).toEqual(["x", "x"]);
      }
    });

    it("rejects a 500 response", async () => {
      const { port } = await serve(500, '{"error": "boom"}');
      const url = `http://127.0.0.1:${port}/ledger`;

      const error = await captureAsyncObservationError(readObservation(url));

      expect(error.message).toContain(`Failed to read the observation from ${url}`);
      expect(error.message).toContain("status 500");
    });

    it("rejects a closed port", async () => {
      // Take a free port from the OS, then close the server so nothing listens there.
      const { port } = await serve(200, "{}");
      const running = server as Server;
      server = undefined;
      await new Promise<void>((resolve) => running.close(() => resolve()));
      const url = `http://127.0.0.1:${port}/ledger`;

      const error = await captureAsyncObservationError(readObservation(url));

      expect(error.message).toContain(`Failed to read the observation from ${url}`);
      expect(error.message).toContain("Is the ledger endpoint served by the integration");
    });

    it("rejects an invalid body", async () => {
      const { port } = await serve(200, '{"click_ids": [1]}');
      const url = `http://127.0.0.1:${port}/ledger`;

      const error = await captureAsyncObservationError(readObservation(url));

      expect(error.message).toContain(`Invalid observation in ${url}`);
    });
  });
});
