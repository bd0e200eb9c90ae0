import { execFile } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestReceiver, type TestReceiver } from "../fixtures/test-receivers.js";

const CLI = "dist/src/cli/main.js";
const SECRET = "whsec_send-command-test";

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
      { env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let receiver: TestReceiver;
beforeEach(async () => {
  receiver = await startTestReceiver(SECRET);
});
afterEach(async () => {
  await receiver.close();
});

function send(...extra: string[]): Promise<CliResult> {
  return runCli(["send", "--url", receiver.url, "--secret", SECRET, ...extra]);
}

describe("elido-sim send", () => {
  it("sends valid events that a correct receiver accepts", async () => {
    const result = await send("--count", "3");
    const lines = result.stdout.trim().split("\n");

    expect(result.code).toBe(0);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatch(
        /^#\d dlv_[0-9a-f]{24} {2}200 {2}\d+\.\d ms {2}"\{\\"received\\":true\}" {2}verdict: ok, expected 2xx$/,
      );
    }
    expect(receiver.clickIds).toHaveLength(3);
  });

  it.each([
    ["--wrong-secret"],
    ["--stale"],
    ["--future"],
    ["--tamper-body"],
    ["--malformed-signature", "short"],
    ["--malformed-signature", "long"],
    ["--malformed-signature", "non-hex"],
    ["--malformed-signature", "no-scheme"],
    ["--malformed-signature", "empty"],
    ["--malformed-signature", "missing"],
  ])("probes %s and expects a 4xx", async (...flags) => {
    const result = await send(...flags.filter((flag) => flag !== undefined));

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ 40[01] .*verdict: ok, expected 4xx/);
    expect(receiver.clickIds).toHaveLength(0);
  });

  it("sends the same delivery twice with --duplicate", async () => {
    const result = await send("--duplicate");
    const ids = [...result.stdout.matchAll(/dlv_[0-9a-f]{24}/g)].map((match) => match[0]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("#1.1 ");
    expect(result.stdout).toContain("#1.2 ");
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(receiver.clickIds).toHaveLength(1);
  });

  it("repeats the same events for the same seed", async () => {
    const first = await send("--seed", "11");
    const second = await send("--seed", "11");

    // Same event id both times, so the idempotent receiver records the click once.
    expect(receiver.clickIds).toHaveLength(1);
    expect(first.stdout.slice(0, 32)).toBe(second.stdout.slice(0, 32));
  });

  it("exits 1 when the receiver does not answer", async () => {
    const result = await runCli([
      "send",
      "--url",
      "http://127.0.0.1:9/webhook",
      "--secret",
      SECRET,
    ]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("no answer");
    expect(result.stdout).toContain("verdict: FAIL, expected 2xx");
  });

  it("rejects two ways of breaking the signature", async () => {
    const result = await send("--stale", "--wrong-secret");

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Conflicting options: --wrong-secret, --stale");
  });

  it("rejects a bad count", async () => {
    const result = await send("--count", "0");

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Invalid --count 0: expected an integer from 1 to 10000.");
  });
});
