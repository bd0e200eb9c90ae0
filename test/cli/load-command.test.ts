import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createReferenceReceiver } from "../../examples/reference-receiver/receiver.js";
import { startTestReceiver, type TestReceiver } from "../fixtures/test-receivers.js";

const CLI = "dist/src/cli/main.js";
const SECRET = "whsec_cli-load-secret";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let server: Server | undefined;
let receiver: TestReceiver | undefined;
afterEach(async () => {
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
  }
  await receiver?.close();
  receiver = undefined;
});

async function startReference(): Promise<number> {
  const reference = createReferenceReceiver({ secret: SECRET });
  server = reference.server;
  await new Promise<void>((resolve) => reference.server.listen(0, "127.0.0.1", resolve));
  return (reference.server.address() as AddressInfo).port;
}

describe("elido-sim load", () => {
  it("passes the reference receiver with exit 0", async () => {
    const port = await startReference();
    const dir = await mkdtemp(join(tmpdir(), "elido-sim-load-"));
    const result = await runCli([
      "load",
      "--target",
      `http://127.0.0.1:${port}/webhook`,
      "--secret",
      SECRET,
      "--duration",
      "1",
      "--connections",
      "4",
      "--duplicates",
      "0.05",
      "--invalid",
      "0.02",
      "--no-calibrate",
      "--observe",
      "http://127.0.0.1:$PORT/ledger",
      "--json",
      join(dir, "load.json"),
      "--html",
      join(dir, "load.html"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`elido-sim load: http://127.0.0.1:${port}/webhook`);
    expect(result.stdout).toMatch(/Latency\s+count\s+p50\s+p90\s+p99\s+p99\.9\s+p99\.99\s+max/);
    expect(result.stdout).toContain("PASS  invalid-rejected");
    expect(result.stdout).toContain("PASS  no-duplicates-recorded");
    expect(result.stdout).toContain("Result: PASS");
    expect(result.stdout).not.toContain("\u001b[");
    const report = JSON.parse(await readFile(join(dir, "load.json"), "utf8"));
    expect(report.passed).toBe(true);
    expect(report.latency.unit).toBe("microseconds");
    expect(report.latency.serviceTime.count).toBeGreaterThan(0);
    const html = await readFile(join(dir, "load.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
  });

  it("exits 1 when wrong signatures are accepted", async () => {
    receiver = await startTestReceiver(SECRET, { skipSignature: true });
    const result = await runCli([
      "load",
      "--target",
      receiver.url,
      "--secret",
      SECRET,
      "--amount",
      "200",
      "--connections",
      "2",
      "--invalid",
      "0.1",
      "--no-calibrate",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("FAIL  invalid-rejected");
    expect(result.stdout).toMatch(/invalid delivery dlv_[0-9a-f]{24} event evt_[0-9a-f]{24}/);
    expect(result.stdout).toContain("Result: FAIL (1 failed: invalid-rejected)");
  });

  it("exits 2 without a duration or an amount", async () => {
    const result = await runCli([
      "load",
      "--target",
      "http://127.0.0.1:9/webhook",
      "--secret",
      SECRET,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Missing bound: pass --duration");
  });

  it("exits 2 when the target refuses connections", async () => {
    const port = await startReference();
    server?.close();
    server = undefined;
    const result = await runCli([
      "load",
      "--target",
      `http://127.0.0.1:${port}/webhook`,
      "--secret",
      SECRET,
      "--amount",
      "10",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Failed to connect to --target http://127.0.0.1:${port}/webhook`,
    );
  });
});
