import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type Dispatcher, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/api/server.js";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const RECEIVER_URL = "http://127.0.0.1:9/webhook";

let clock: VirtualClock;
let sim: Simulation;
let app: FastifyInstance;
let baseUrl: string;
let apiKey: string;

beforeEach(async () => {
  clock = new VirtualClock(T0);
  sim = new Simulation({ clock, seed: 1 });
  app = buildServer(sim);
  await app.listen({ host: "127.0.0.1", port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  apiKey = sim.workspace.apiKeys[0] as string;
});

afterEach(async () => {
  await app.close();
  await sim.close();
});

interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. `null` sends no Authorization header. */
  key?: string | null;
  /** Serialized as JSON. */
  json?: unknown;
  /** Sent as is with a JSON content type, for malformed bodies. */
  rawJson?: string;
}

interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}

/** Sends a real HTTP request to the server under test and reads the whole response. */
async function call(
  method: Dispatcher.HttpMethod,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? apiKey : options.key;
  if (key !== null) {
    headers.authorization = `Bearer ${key}`;
  }
  let body: string | undefined;
  if (options.json !== undefined || options.rawJson !== undefined) {
    headers["content-type"] = "application/json";
    body = options.rawJson ?? JSON.stringify(options.json);
  }

  const response = await request(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.body.text();
  const flatHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) {
      flatHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return {
    status: response.statusCode,
    headers: flatHeaders,
    text,
    body: text === "" ? undefined : (JSON.parse(text) as unknown),
  };
}

function createWebhook(json: unknown, key?: string | null): Promise<ApiResponse> {
  return call("POST", "/v1/webhooks", { json, ...(key === undefined ? {} : { key }) });
}

describe("POST /v1/webhooks", () => {
  it("creates an endpoint with a secret", async () => {
    const response = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(201);
    expect(body.id).toMatch(/^we_[0-9a-f]+$/);
    expect(body.url).toBe(RECEIVER_URL);
    expect(body.events).toEqual(["click.recorded"]);
    expect(body.created_at).toBe("2026-05-15T09:00:00.000Z");
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  });

  it("keeps a given secret", async () => {
    const secret = "my-own-secret-123";

    const response = await createWebhook({
      url: RECEIVER_URL,
      events: ["click.recorded"],
      secret,
    });

    expect(response.status).toBe(201);
    expect((response.body as Record<string, unknown>).secret).toBe(secret);
    expect(sim.endpoints.list()[0]?.secret).toBe(secret);
  });

  it("accepts an https URL", async () => {
    const response = await createWebhook({
      url: "https://127.0.0.1:9/hooks",
      events: ["click.recorded"],
    });

    expect(response.status).toBe(201);
  });

  it("stamps created_at with simulated time", async () => {
    clock.setNow(T0 + 90_000);

    const response = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });

    expect((response.body as Record<string, unknown>).created_at).toBe("2026-05-15T09:01:30.000Z");
  });

  it.each([
    ["a missing url", { events: ["click.recorded"] }],
    ["an unknown event", { url: RECEIVER_URL, events: ["foo"] }],
    ["no events", { url: RECEIVER_URL, events: [] }],
    ["an ftp URL", { url: "ftp://x", events: ["click.recorded"] }],
    ["a relative URL", { url: "not a url", events: ["click.recorded"] }],
    ["a short secret", { url: RECEIVER_URL, events: ["click.recorded"], secret: "short" }],
    ["an extra property", { url: RECEIVER_URL, events: ["click.recorded"], colour: "blue" }],
    ["events as a string", { url: RECEIVER_URL, events: "click.recorded" }],
  ])("rejects %s", async (_label, json) => {
    const response = await createWebhook(json);
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.error).toEqual(expect.any(String));
    expect(body.request_id).toBe(response.headers["x-request-id"]);
    expect(sim.endpoints.list()).toEqual([]);
  });

  it("names the scheme of an ftp URL", async () => {
    const response = await createWebhook({ url: "ftp://x", events: ["click.recorded"] });

    expect((response.body as Record<string, unknown>).error).toContain('got "ftp:"');
  });

  it("rejects malformed JSON", async () => {
    const response = await call("POST", "/v1/webhooks", { rawJson: '{"url": "http://' });
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
  });

  it("rejects a missing key", async () => {
    const response = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] }, null);
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(401);
    expect(body.code).toBe("unauthorized");
    expect(body.error).toContain("Missing API key");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
    expect(sim.endpoints.list()).toEqual([]);
  });

  it("rejects an unknown key", async () => {
    const response = await createWebhook(
      { url: RECEIVER_URL, events: ["click.recorded"] },
      "elido_sk_not-a-real-key",
    );
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(401);
    expect(body.code).toBe("unauthorized");
    expect(body.error).toContain("Unknown API key");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
  });
});

describe("GET /v1/webhooks", () => {
  it("lists endpoints without secrets", async () => {
    const created = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });
    const createdBody = created.body as Record<string, unknown>;

    const response = await call("GET", "/v1/webhooks");

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      items: [
        {
          id: createdBody.id,
          url: RECEIVER_URL,
          events: ["click.recorded"],
          created_at: "2026-05-15T09:00:00.000Z",
        },
      ],
    });
    expect(response.text).not.toContain("whsec_");
  });

  it("lists nothing at first", async () => {
    const response = await call("GET", "/v1/webhooks");

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [] });
  });

  it("rejects a missing key", async () => {
    const response = await call("GET", "/v1/webhooks", { key: null });
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(401);
    expect(body.code).toBe("unauthorized");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
  });
});

describe("DELETE /v1/webhooks/:id", () => {
  it("deletes once, then returns 404", async () => {
    const created = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });
    const id = (created.body as Record<string, unknown>).id as string;

    const first = await call("DELETE", `/v1/webhooks/${id}`);
    const second = await call("DELETE", `/v1/webhooks/${id}`);
    const secondBody = second.body as Record<string, unknown>;

    expect(first.status).toBe(204);
    expect(first.text).toBe("");
    expect(sim.endpoints.list()).toEqual([]);
    expect(second.status).toBe(404);
    expect(secondBody.code).toBe("not_found");
    expect(secondBody.error).toContain(id);
    expect(secondBody.request_id).toBe(second.headers["x-request-id"]);
  });

  it("rejects an unknown key", async () => {
    const created = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });
    const id = (created.body as Record<string, unknown>).id as string;

    const response = await call("DELETE", `/v1/webhooks/${id}`, { key: "elido_sk_wrong" });

    expect(response.status).toBe(401);
    expect(sim.endpoints.list()).toHaveLength(1);
  });
});

describe("API server", () => {
  it("returns 404 for unknown routes", async () => {
    const response = await call("GET", "/v1/nothing-here?x=1");
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(404);
    expect(body.code).toBe("not_found");
    expect(body.error).toBe("No route for GET /v1/nothing-here.");
    expect(body.request_id).toBe(response.headers["x-request-id"]);
  });

  it("gives each request its own id", async () => {
    const first = await call("GET", "/v1/webhooks");
    const second = await call("GET", "/v1/webhooks");

    expect(first.headers["x-request-id"]).toMatch(/^req_[0-9a-z]{8}$/);
    expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
  });

  it("sends x-sim-now on every response", async () => {
    const created = await createWebhook({ url: RECEIVER_URL, events: ["click.recorded"] });
    const id = (created.body as Record<string, unknown>).id as string;
    const responses = [
      created,
      await call("GET", "/v1/webhooks"),
      await call("DELETE", `/v1/webhooks/${id}`),
      await call("GET", "/v1/webhooks", { key: null }),
      await createWebhook({ events: [] }),
      await call("GET", "/no-such-route"),
      await call("GET", "/healthz"),
    ];

    expect(responses.map((response) => response.headers["x-sim-now"])).toEqual(
      responses.map(() => "2026-05-15T09:00:00.000Z"),
    );
  });

  it("follows the virtual clock in x-sim-now", async () => {
    clock.setNow(T0 + 3_600_000 + 0.75);

    const response = await call("GET", "/v1/webhooks");

    expect(response.headers["x-sim-now"]).toBe("2026-05-15T10:00:00.000Z");
    expect(response.headers["x-sim-now"]).toBe(new Date(Math.floor(clock.now())).toISOString());
  });
});
