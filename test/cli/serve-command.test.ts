import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { BROWSER_HEADERS, send } from "../api/control-harness.js";

const CLI = "dist/src/cli/main.js";

interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly banner: string;
  readonly baseUrl: string;
  output(): string;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let running: ServeProcess | undefined;

afterEach(() => {
  if (running !== undefined && running.child.exitCode === null) {
    running.child.kill("SIGKILL");
  }
  running = undefined;
});

/** Starts `elido-sim serve` and waits for the banner that names the base URL. */
async function startServe(args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args]);
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      if (stdout.includes("Control API:")) {
        resolve(stdout);
      }
    });
    void exited.then(({ code }) =>
      reject(new Error(`serve exited with ${code} before printing its banner: ${stderr}`)),
    );
  });
  const baseUrl = /Base URL:\s+(\S+)/.exec(banner)?.[1] as string;
  return { child, banner, baseUrl, output: () => stdout, exit: () => exited };
}

describe("elido-sim serve", () => {
  it("serves redirects and the control API, then stops on SIGTERM", async () => {
    running = await startServe(["--speed", "max", "--seed", "3", "--plan", "free"]);
    const { banner, baseUrl } = running;
    const apiKey = /API key:\s+(\S+)/.exec(banner)?.[1] as string;
    const edgeUrl = /Edge:\s+(\S+)/.exec(banner)?.[1] as string;

    const redirect = await send(baseUrl, apiKey, "GET", new URL(edgeUrl).pathname, {
      key: null,
      headers: BROWSER_HEADERS,
    });
    const advance = await send(baseUrl, apiKey, "POST", "/_sim/clock/advance", {
      key: null,
      json: { by: "1m" },
    });
    const truth = await send(baseUrl, apiKey, "GET", "/_sim/ground-truth?bot=false", { key: null });
    const webhooks = await send(baseUrl, apiKey, "GET", "/v1/webhooks");
    running.child.kill("SIGTERM");
    const exit = await running.exit();

    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner).toContain("virtual clock");
    expect(banner).toContain("(workspace 4123)");
    expect(banner).toMatch(/Webhook secret: whsec_/);
    expect(banner).toContain(`Control API:    ${baseUrl}/_sim/`);
    expect(redirect.status).toBe(302);
    expect(advance.status).toBe(200);
    expect((advance.body as Record<string, unknown>).advanced_ms).toBe(60_000);
    // One redirect plus about 60 generated clicks at 1 per simulated second.
    expect((truth.body as { total: number }).total).toBeGreaterThan(30);
    expect(webhooks.headers["x-ratelimit-limit"]).toBe("10");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(running.output()).toContain("SIGTERM received, stopping");
  });

  it("exits 2 on an invalid option", async () => {
    const child = spawn(process.execPath, [CLI, "serve", "--speed", "fast"]);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));

    expect(code).toBe(2);
    expect(stderr).toContain('--speed "fast"');
  });
});
