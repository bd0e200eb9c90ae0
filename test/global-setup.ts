import { execFileSync } from "node:child_process";

/**
 * Builds dist/ once before the tests, so that command-line tests run the same JavaScript a
 * user gets from `npm ci`, built from the sources under test.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
}
