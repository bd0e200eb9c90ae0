import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestReceiver, type TestReceiver } from "../fixtures/test-receivers.js";

const CLI = "dist/src/cli/main.js";
const REFERENCE = "node dist/examples/reference-receiver/main.js";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, NO_COLOR: "", ...env },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let receiver: TestReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("elido-sim run", () => {
  it("passes the reference receiver with exit 0", async () => {
    const reportDir = await mkdtemp(join(tmpdir(), "elido-sim-report-"));
    const result = await runCli([
      "run",
      "receiver-outages",
      "--speed",
      "max",
      "--receiver-cmd",
      REFERENCE,
      "--observe",
      "http://127.0.0.1:$PORT/ledger",
      "--report",
      reportDir,
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "Result: PASS (7 passed, 0 failed, 0 not observed; score 100/100)",
    );
    expect(result.stdout).toMatch(/Webhook secret: whsec_[A-Za-z0-9+/]{43}=/);
    expect(result.stdout).not.toContain("\u001b[");
    const report = JSON.parse(await readFile(join(reportDir, "report.json"), "utf8"));
    expect(report.result).toBe("pass");
    expect(report.checks).toHaveLength(7);
    expect(report.deliveries.length).toBeGreaterThan(1000);
    expect(JSON.stringify(report)).not.toContain("whsec_");
    expect(await readFile(join(reportDir, "receiver.log"), "utf8")).toContain("listening");
  });

  it("passes the documented environment to the receiver command", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elido-sim-env-"));
    const envFile = join(dir, "env.json");
    const command = `node -e "require('fs').writeFileSync('${envFile}', JSON.stringify(process.env))" && exec ${REFERENCE}`;
    const result = await runCli([
      "run",
      "receiver-outages",
      "--speed",
      "max",
      "--secret",
      "whsec_given-secret",
      "--receiver-cmd",
      command,
    ]);
    expect(result.code).toBe(0);
    const env = JSON.parse(await readFile(envFile, "utf8")) as Record<string, string>;
    expect(env.PORT).toMatch(/^\d+$/);
    expect(env.WEBHOOK_SECRET).toBe("whsec_given-secret");
    expect(env.ELIDO_API_BASE).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(env.ELIDO_WORKSPACE_ID).toBe("4123");
    expect(env.ELIDO_API_KEY).toMatch(/^elido_sk_[0-9a-f]{32}$/);
    expect(result.stdout).toContain(`Receiver:       http://127.0.0.1:${env.PORT}/webhook`);
    // Without --observe the ledger checks are not observed, and that is not a pass.
    expect(result.stdout).toContain(
      "5 passed, 0 failed, 2 not observed; score 65/100, 35 points not observed",
    );
  });

  it("exits 1 and names the first failure", async () => {
    receiver = await startTestReceiver("whsec_cli-test-secret", { skipSignature: true });
    const result = await runCli([
      "run",
      "receiver-outages",
      "--speed",
      "max",
      "--receiver-url",
      receiver.url,
      "--secret",
      "whsec_cli-test-secret",
      "--observe",
      receiver.ledgerUrl,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Result: FAIL");
    expect(result.stdout).toContain("First failed check: wrong-secret-rejected");
    expect(result.stdout).toContain("Hint: Verify X-Webhook-Signature");
  });

  it("gives the same verdict for the same seed", async () => {
    const reports: string[] = [];
    for (let run = 0; run < 2; run++) {
      const dir = await mkdtemp(join(tmpdir(), "elido-sim-seed-"));
      const result = await runCli([
        "run",
        "receiver-outages",
        "--speed",
        "max",
        "--seed",
        "99",
        "--receiver-cmd",
        REFERENCE,
        "--observe",
        "http://127.0.0.1:$PORT/ledger",
        "--report",
        dir,
      ]);
      expect(result.code).toBe(0);
      const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8"));
      const stable = {
        checks: report.checks,
        deliveries: report.deliveries.map(
          (delivery: { id: string; click_id: string; attempts: unknown[] }) => [
            delivery.id,
            delivery.click_id,
            delivery.attempts.length,
          ],
        ),
      };
      reports.push(JSON.stringify(stable));
    }
    expect(reports[0]).toBe(reports[1]);
  });
});

describe("elido-sim usage errors", () => {
  it("exits 2 on an invalid scenario file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elido-sim-bad-"));
    const file = join(dir, "outage.yaml");
    await writeFile(
      file,
      [
        "name: bad",
        "description: broken",
        "duration: 10m",
        "traffic:",
        "  rate: 1",
        "faults:",
        "  - type: receiver_outage",
        "    at: 1m",
        "    for: thirty",
      ].join("\n"),
    );
    const result = await runCli(["run", file, "--receiver-url", "http://127.0.0.1:9/webhook"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Invalid scenario file ${file}`);
    expect(result.stderr).toContain(
      'line 9, field faults[0].for: expected a duration like "30s", "21m" or "1h30m", got "thirty"',
    );
  });

  it("exits 2 without a receiver", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elido-sim-bare-"));
    const file = join(dir, "bare.yaml");
    await writeFile(
      file,
      ["name: bare", "description: no integration", "duration: 10m", "traffic:", "  rate: 1"].join(
        "\n",
      ),
    );
    const result = await runCli(["run", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Missing receiver");
  });

  it("exits 2 on an invalid speed", async () => {
    const result = await runCli([
      "run",
      "receiver-outages",
      "--speed",
      "fast",
      "--receiver-url",
      "http://127.0.0.1:9/",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Invalid --speed "fast"');
  });

  it("exits 2 when the receiver command dies", async () => {
    const result = await runCli([
      "run",
      "receiver-outages",
      "--receiver-cmd",
      "echo booting; exit 3",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Receiver command exited with code 3");
    expect(result.stderr).toContain("booting");
  });

  it("exits 2 on an unknown option", async () => {
    const result = await runCli(["run", "receiver-outages", "--receiver-ulr", "x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("receiver-ulr");
  });
});

describe("elido-sim scenarios", () => {
  it("lists the shipped scenarios", async () => {
    const result = await runCli(["scenarios"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("receiver-outages\n  A receiver goes down twice.");
  });
});
