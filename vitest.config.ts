import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Scenario tests run real servers and child processes on loopback.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
