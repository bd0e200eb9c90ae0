import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import { type AnalyticsClient, startAnalyticsClient } from "./analytics-client.js";

let sim: Simulation;
let client: AnalyticsClient;

beforeAll(async () => {
  sim = new Simulation({ clock: new VirtualClock(Date.parse("2026-05-15T09:00:00Z")), seed: 1 });
  client = await startAnalyticsClient(sim);
});

afterAll(async () => {
  await client.close();
  await sim.close();
});

describe("GET /openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const response = await client.get("/openapi.json", null);
    const spec = response.body as Record<string, unknown>;

    const result = await new Validator().validate(spec);

    expect(response.status).toBe(200);
    expect(spec.openapi).toBe("3.1.0");
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("documents analytics and webhook routes", async () => {
    const spec = (await client.get("/openapi.json", null)).body as {
      paths: Record<string, unknown>;
    };

    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/v1/analytics/workspaces/{workspace_id}/clicks/recent",
        "/v1/analytics/workspaces/{workspace_id}/summary",
        "/v1/analytics/workspaces/{workspace_id}/timeseries",
        "/v1/analytics/workspaces/{workspace_id}/breakdown/country",
        "/v1/webhooks",
        "/v1/webhooks/{id}",
      ]),
    );
  });

  it("takes query schemas from validation", async () => {
    const spec = (await client.get("/openapi.json", null)).body as {
      paths: Record<
        string,
        { get: { parameters: { name: string; in: string; schema: unknown }[] } }
      >;
    };
    const recent = spec.paths["/v1/analytics/workspaces/{workspace_id}/clicks/recent"];
    const names = recent?.get.parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
    const limit = recent?.get.parameters.find((parameter) => parameter.name === "limit");

    expect(names).toEqual(
      expect.arrayContaining([
        "query:from",
        "query:to",
        "query:limit",
        "query:cursor",
        "query:link_id",
        "path:workspace_id",
      ]),
    );
    expect(limit?.schema).toMatchObject({ type: "string", pattern: "^(?:[1-9][0-9]{0,2}|1000)$" });
  });

  it("needs no API key", async () => {
    const response = await client.get("/openapi.json", null);

    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toContain("application/json");
  });
});
