import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { request } from "undici";
import { buildServer } from "../../src/api/server.js";
import type { Simulation } from "../../src/core/simulation.js";

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

/** A running server of `sim` on 127.0.0.1 and a client of its analytics API. */
export interface AnalyticsClient {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Base path of the workspace, e.g. `/v1/analytics/workspaces/4123`. */
  readonly workspacePath: string;
  get(path: string, key?: string | null): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * Server options of these tests. Rate limiting is off because the tests send thousands of
 * requests on a virtual clock, where the token bucket never refills.
 */
const SERVER_OPTIONS = { rateLimit: { enabled: false } };

export async function startAnalyticsClient(sim: Simulation): Promise<AnalyticsClient> {
  const app = buildServer(sim, SERVER_OPTIONS);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const apiKey = sim.workspace.apiKeys[0] as string;
  return {
    app,
    baseUrl,
    apiKey,
    workspacePath: `/v1/analytics/workspaces/${sim.workspace.id}`,
    get: (path, key) => get(baseUrl, path, key === undefined ? apiKey : key),
    close: () => app.close(),
  };
}

/** Sends a real GET to the server and reads the whole response; `key` null sends no Authorization. */
export async function get(
  baseUrl: string,
  path: string,
  key: string | null,
): Promise<HttpResponse> {
  const headers: Record<string, string> = {};
  if (key !== null) {
    headers.authorization = `Bearer ${key}`;
  }
  const response = await request(`${baseUrl}${path}`, { method: "GET", headers });
  const text = await response.body.text();
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) {
      flat[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, headers: flat, text, body };
}

/** Reads a whole window of `clicks/recent` by following `next_cursor`, and returns the click ids in order. */
export async function walkWindow(
  client: AnalyticsClient,
  query: string,
  limit: number,
  maxPages = 10_000,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let response = await client.get(`${client.workspacePath}/clicks/recent?${query}&limit=${limit}`);
  for (let pages = 1; pages <= maxPages; pages++) {
    if (response.status !== 200) {
      throw new Error(`clicks/recent returned ${response.status}: ${response.text}`);
    }
    const body = response.body as { items: { click_id: string }[]; next_cursor: string | null };
    ids.push(...body.items.map((item) => item.click_id));
    if (body.next_cursor === null) {
      return { ids, pages };
    }
    response = await client.get(
      `${client.workspacePath}/clicks/recent?cursor=${body.next_cursor}&limit=${limit}`,
    );
  }
  throw new Error(`The window did not end within ${maxPages} pages.`);
}
