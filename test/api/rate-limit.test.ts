import { afterEach, describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/api/rate-limit.js";
import { startTestSimulator, T0, type TestSimulator } from "./control-harness.js";

let simulator: TestSimulator | undefined;

afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

describe("TokenBucket", () => {
  it("holds ten seconds of the sustained rate", () => {
    expect(new TokenBucket(60, T0).capacity).toBe(10);
    expect(new TokenBucket(600, T0).capacity).toBe(100);
    expect(new TokenBucket(6_000, T0).capacity).toBe(1_000);
    expect(new TokenBucket(1_000, T0).capacity).toBe(166);
  });

  it("allows twice the sustained share in ten seconds", () => {
    const bucket = new TokenBucket(60, T0);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 100) {
      if (bucket.take(T0 + ms).allowed) {
        allowed++;
      }
    }
    // 10 at once, then one per second for 10 s, less the one that refills at exactly 10 s.
    expect(allowed).toBe(19);
  });

  it("rounds Retry-After up to a wait that suffices", () => {
    const bucket = new TokenBucket(600, T0);
    for (let index = 0; index < 100; index++) {
      bucket.take(T0);
    }
    // One token per 100 ms: the 429 at 50 ms needs 50 ms more, so 1 s.
    const rejected = bucket.take(T0 + 50);
    expect(rejected.allowed).toBe(false);
    expect(rejected.retryAfterSeconds).toBe(1);
    expect(bucket.take(T0 + 50 + 1_000).allowed).toBe(true);
  });
});

describe("rate limit on /v1", () => {
  it("grants a free workspace exactly its burst", async () => {
    simulator = await startTestSimulator({ plan: "free" });

    const statuses: number[] = [];
    for (let index = 0; index < 12; index++) {
      statuses.push((await simulator.call("GET", "/v1/webhooks")).status);
    }

    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it("answers 429 with the documented shape", async () => {
    simulator = await startTestSimulator({ plan: "free" });
    for (let index = 0; index < 10; index++) {
      await simulator.call("GET", "/v1/webhooks");
    }

    const response = await simulator.call("GET", "/v1/webhooks");
    const body = response.body as Record<string, unknown>;

    expect(response.status).toBe(429);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.headers["x-ratelimit-scope"]).toBe("workspace");
    expect(response.headers["x-ratelimit-limit"]).toBe("10");
    expect(response.headers["x-ratelimit-remaining"]).toBe("0");
    expect(response.headers["x-ratelimit-reset"]).toBe(String(T0 / 1_000 + 10));
    expect(body.error).toBe("rate_limited");
    expect(body.code).toBe("rate_limited");
    expect(body.retry_after_seconds).toBe(1);
    expect(body.message).toEqual(expect.stringContaining("60 per minute"));
    expect(body.request_id).toBe(response.headers["x-request-id"]);
  });

  it("logs Retry-After in the request log", async () => {
    simulator = await startTestSimulator({ plan: "free" });
    for (let index = 0; index < 11; index++) {
      await simulator.call("GET", "/v1/webhooks");
    }

    const last = simulator.sim.requestLog.all().at(-1);

    expect(last?.statusCode).toBe(429);
    expect(last?.retryAfterSeconds).toBe(1);
  });

  it("allows requests again after Retry-After", async () => {
    simulator = await startTestSimulator({ plan: "free" });
    for (let index = 0; index < 10; index++) {
      await simulator.call("GET", "/v1/webhooks");
    }
    // The bucket is empty at T0, so the next token is exactly one second away.
    const rejected = await simulator.call("GET", "/v1/webhooks");
    const retryAfter = Number(rejected.headers["retry-after"]);

    simulator.clock.setNow(T0 + retryAfter * 1_000 - 1);
    const early = await simulator.call("GET", "/v1/webhooks");
    simulator.clock.setNow(T0 + retryAfter * 1_000);
    const onTime = await simulator.call("GET", "/v1/webhooks");

    expect(rejected.status).toBe(429);
    expect(retryAfter).toBe(1);
    expect(early.status).toBe(429);
    expect(onTime.status).toBe(200);
  });

  it("gives Retry-After to the second after a long drain", async () => {
    simulator = await startTestSimulator({ plan: "free" });
    for (let index = 0; index < 10; index++) {
      await simulator.call("GET", "/v1/webhooks");
    }
    // At 2.5 s, 2.5 tokens have refilled: two requests pass, the third lacks half a token.
    simulator.clock.setNow(T0 + 2_500);
    const statuses = [
      (await simulator.call("GET", "/v1/webhooks")).status,
      (await simulator.call("GET", "/v1/webhooks")).status,
    ];
    const rejected = await simulator.call("GET", "/v1/webhooks");

    expect(statuses).toEqual([200, 200]);
    expect(rejected.status).toBe(429);
    expect(rejected.headers["retry-after"]).toBe("1");
    simulator.clock.setNow(T0 + 3_000);
    expect((await simulator.call("GET", "/v1/webhooks")).status).toBe(200);
  });

  it("sends rate-limit headers on every /v1 response", async () => {
    simulator = await startTestSimulator({ plan: "pro" });
    const responses = [
      await simulator.call("GET", "/v1/webhooks"),
      await simulator.call("POST", "/v1/webhooks", { json: { url: "x", events: [] } }),
      await simulator.call("GET", "/v1/nothing-here"),
      await simulator.call(
        "GET",
        `/v1/analytics/workspaces/${simulator.sim.workspace.id}/clicks/recent`,
      ),
    ];

    expect(responses.map((response) => response.status)).toEqual([200, 400, 404, 200]);
    expect(responses.map((response) => response.headers["x-ratelimit-limit"])).toEqual([
      "100",
      "100",
      "100",
      "100",
    ]);
    expect(responses.map((response) => response.headers["x-ratelimit-remaining"])).toEqual([
      "99",
      "98",
      "97",
      "96",
    ]);
    for (const response of responses) {
      expect(response.headers["x-ratelimit-reset"]).toMatch(/^\d+$/);
    }
  });

  it("refills Remaining and Reset with simulated time", async () => {
    simulator = await startTestSimulator({ plan: "free" });
    await simulator.call("GET", "/v1/webhooks");
    const first = await simulator.call("GET", "/v1/webhooks");
    simulator.clock.setNow(T0 + 1_000);
    const later = await simulator.call("GET", "/v1/webhooks");

    expect(first.headers["x-ratelimit-remaining"]).toBe("8");
    expect(first.headers["x-ratelimit-reset"]).toBe(String(T0 / 1_000 + 2));
    expect(later.headers["x-ratelimit-remaining"]).toBe("8");
    expect(later.headers["x-ratelimit-reset"]).toBe(String(T0 / 1_000 + 3));
  });

  it("leaves 401s and non-API routes without headers", async () => {
    simulator = await startTestSimulator({ plan: "free" });

    const unauthorized = await simulator.call("GET", "/v1/webhooks", { key: null });
    const health = await simulator.call("GET", "/healthz");

    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers["x-ratelimit-limit"]).toBeUndefined();
    expect(health.headers["x-ratelimit-limit"]).toBeUndefined();
  });

  it("keeps a bucket per key in the key profile", async () => {
    simulator = await startTestSimulator({ plan: "business" }, { rateLimit: { scope: "key" } });
    const statuses: number[] = [];
    for (let index = 0; index < 167; index++) {
      statuses.push((await simulator.call("GET", "/v1/webhooks")).status);
    }
    const rejected = await simulator.call("GET", "/v1/webhooks");

    expect(statuses.filter((status) => status === 200)).toHaveLength(166);
    expect(rejected.status).toBe(429);
    expect(rejected.headers["x-ratelimit-scope"]).toBe("key");
    expect(rejected.headers["x-ratelimit-limit"]).toBe("166");
  });
});
