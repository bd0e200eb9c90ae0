/**
 * Analytics API benchmarks over HTTP on 127.0.0.1: `clicks/recent` pages of 100 and `summary`
 * over 30 days of 10 million clicks, each against a bare fastify route that returns the same
 * prebuilt body, measured with autocannon in the same run. The servers run in a child process
 * so that autocannon does not share their event loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { request } from "undici";
import type { BenchRow } from "./bench-row.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLICKS = 10_000_000;
const CONNECTIONS = 10;
const SECONDS = 5;

interface ServerInfo {
  apiBase: string;
  bareBase: string;
  apiKey: string;
  recentPath: string;
  summaryPath: string;
}

async function startServers(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const child = spawn(process.execPath, [join(HERE, "analytics-server.js")], {
    env: { ...process.env, CLICKS: String(CLICKS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n")[0];
      if (buffered.includes("\n") && line !== undefined) {
        resolve(JSON.parse(line) as ServerInfo);
      }
    });
    child.once("exit", (code) => reject(new Error(`analytics server exited with code ${code}`)));
  });
  return { child, info };
}

async function requestsPerSecond(url: string, apiKey?: string): Promise<number> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx responses and ${result.errors} errors.`);
  }
  return result.requests.average;
}

/** Returns the URL of a page in the middle of the window, reached by following a cursor. */
async function cursorUrl(info: ServerInfo): Promise<string> {
  const first = await request(`${info.apiBase}${info.recentPath}`, {
    headers: { authorization: `Bearer ${info.apiKey}` },
  });
  const body = (await first.body.json()) as { next_cursor: string };
  const path = info.recentPath.replace(/\?.*$/, "");
  return `${info.apiBase}${path}?cursor=${body.next_cursor}&limit=100`;
}

export async function measureAnalyticsRows(): Promise<BenchRow[]> {
  const { child, info } = await startServers();
  try {
    const pageUrl = await cursorUrl(info);
    const pages = await requestsPerSecond(pageUrl, info.apiKey);
    const barePages = await requestsPerSecond(`${info.bareBase}/page`);
    const summaries = await requestsPerSecond(`${info.apiBase}${info.summaryPath}`, info.apiKey);
    const bareSummaries = await requestsPerSecond(`${info.bareBase}/summary`);
    return [
      {
        name: "`clicks/recent` pages of 100 per second, 10 million clicks stored",
        value: `${Math.round(pages)} req/s`,
        baseline: `bare fastify route, same 100 clicks: ${Math.round(barePages)} req/s`,
        ratio: pages / barePages,
        goal: ">= 1.0",
      },
      {
        name: "`summary` over 30 days of 10 million clicks, requests per second",
        value: `${Math.round(summaries)} req/s`,
        baseline: `bare fastify route, same body: ${Math.round(bareSummaries)} req/s`,
        ratio: summaries / bareSummaries,
        goal: "none set",
      },
    ];
  } finally {
    child.kill("SIGTERM");
  }
}
