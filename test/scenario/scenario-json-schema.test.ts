import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { scenarioJsonSchema } from "../../src/scenario/scenario-json-schema.js";

describe("scenarioJsonSchema", () => {
  it("matches the shipped schema.json", async () => {
    const shipped = JSON.parse(await readFile("scenarios/schema.json", "utf8"));
    // Regenerate with: node dist/src/cli/main.js schema > scenarios/schema.json
    expect(shipped).toEqual(scenarioJsonSchema());
  });

  it("drops the loader's own keyword", () => {
    expect(JSON.stringify(scenarioJsonSchema())).not.toContain('"expected"');
  });
});
