import { ScenarioSchema } from "./scenario-schema.js";

/**
 * Returns the scenario schema as plain JSON Schema (draft-07), for editors and other
 * validators. The loader's own `expected` keyword is dropped, since strict validators reject
 * unknown keywords.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(
    JSON.stringify(ScenarioSchema, (key, value: unknown) =>
      key === "expected" ? undefined : value,
    ),
  ) as Record<string, unknown>;
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "elido-sim scenario",
    ...plain,
  };
}
