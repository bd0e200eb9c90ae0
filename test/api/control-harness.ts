import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type Dispatcher, request } from "undici";
import { buildServer, type ServerOptions } from "../../src/api/server.js";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation, type SimulationOptions } from "../../src/core/simulation.js";

export const T0 = Date.parse("2026-05-15T09:00:00Z");

/** Chrome on macOS with the headers a browser sends. */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  "user-agent":
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  "accept-language": "de-DE,de;q=0.9,en;q=0.8",
};

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <key>`; `null` sends none. Default: the workspace's key. */
  key?: string | null;
  headers?: Record<string, string>;
  json?: unknown;
}

/** A simulation on a virtual clock with its server on 127.0.0.1. */
export interface TestSimulator {
  readonly sim: Simulation;
  readonly clock: VirtualClock;
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly apiKey: string;
  call(
    method: Dispatcher.HttpMethod,
    path: string,
    options?: RequestOptions,
  ): Promise<HttpResponse>;
  close(): Promise<void>;
}

export async function startTestSimulator(
  simulation: Partial<SimulationOptions> = {},
  server: ServerOptions = {},
): Promise<TestSimulator> {
  const clock = new VirtualClock(T0);
  const sim = new Simulation({ clock, seed: 1, ...simulation });
  const app = buildServer(sim, server);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const apiKey = sim.workspace.apiKeys[0] as string;
  return {
    sim,
    clock,
    app,
    baseUrl,
    apiKey,
    call: (method, path, options = {}) => send(baseUrl, apiKey, method, path, options),
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}

/** Sends a real HTTP request and reads the whole response. */
export async function send(
  baseUrl: string,
  apiKey: string,
  method: Dispatcher.HttpMethod,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? apiKey : options.key;
  if (key !== null) {
    headers.authorization = `Bearer ${key}`;
  }
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await request(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.body.text();
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) {
      flat[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, headers: flat, text, body: parsed };
}
