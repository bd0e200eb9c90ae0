import { spawnSync } from "node:child_process";

/**
 * Builds dist/ once before the tests, so that command-line tests run the same JavaScript a
 * user gets from `npm ci`, built from the sources under test. Type errors do not stop the
 * build (tsc still emits), because `npm test` reports them in its own typecheck step.
 */
export default function setup(): void {
  const build = spawnSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"],
    {
      encoding: "utf8",
    },
  );
  if (build.status !== 0) {
    process.stderr.write(
      `tsc reported errors while building dist/ for the tests:\n${build.stdout}${build.stderr}`,
    );
  }
}
