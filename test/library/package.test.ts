import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** npm install downloads the dependencies unless they are in npm's cache; a few minutes at most. */
const INSTALL_TIMEOUT_MS = 240_000;

interface PackedFile {
  readonly path: string;
}

/**
 * Packs the package as `npm publish` would, installs the tarball into a new project and uses
 * it the way a user does: plain ESM JavaScript under node, and TypeScript under tsc. dist/ is
 * the one the global setup built; `--ignore-scripts` keeps `prepare` from rebuilding it while
 * other test files read it.
 */
describe("npm package", () => {
  let workDir = "";
  let projectDir = "";
  let packedPaths: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "elido-sim-package-"));
    const packed = await run(
      "npm",
      ["pack", "--ignore-scripts", "--json", "--pack-destination", workDir],
      { cwd: REPO, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
    const [summary] = JSON.parse(packed.stdout) as Array<{
      filename: string;
      files: PackedFile[];
    }>;
    if (summary === undefined) {
      throw new Error(`npm pack printed no package summary:\n${packed.stdout}`);
    }
    packedPaths = summary.files.map((file) => file.path);

    projectDir = join(workDir, "project");
    await mkdir(projectDir);
    await writeFile(
      join(projectDir, "package.json"),
      JSON.stringify({ name: "elido-sim-consumer", private: true, type: "module" }),
    );
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", join(workDir, summary.filename)],
      { cwd: projectDir, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
    );
    // vitest is an optional peer dependency; the repository's copy serves its types.
    await symlink(join(REPO, "node_modules", "vitest"), join(projectDir, "node_modules", "vitest"));
  }, INSTALL_TIMEOUT_MS + 180_000);

  afterAll(async () => {
    if (workDir !== "") {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it("ships what the entry points need", () => {
    for (const path of [
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/vitest/index.js",
      "dist/src/vitest/index.d.ts",
      "dist/src/cli/main.js",
      "dist/examples/reference-receiver/main.js",
      "dist/examples/reference-poller/main.js",
      "dist/examples/in-process/day-with-outage.js",
      "scenarios/receiver-outages.yaml",
      "scenarios/schema.json",
    ]) {
      expect(packedPaths, path).toContain(path);
    }
    expect(packedPaths.filter((path) => /\.test\.(js|d\.ts)/.test(path))).toEqual([]);
    expect(
      packedPaths.filter((path) => path.startsWith("test/") || path.startsWith("src/")),
    ).toEqual([]);
  });

  it("runs from plain ESM JavaScript", { timeout: 60_000 }, async () => {
    const script = join(projectDir, "smoke.mjs");
    await writeFile(
      script,
      `import { createSimulator } from "elido-sim";
// No probes: this receiver checks no signatures.
const sim = await createSimulator({ seed: 3, traffic: { ratePerSecond: 1, duration: "2m" }, probes: [] });
const clickIds = [];
await sim.addReceiver((request) => {
  clickIds.push(JSON.parse(request.body.toString("utf8")).data.click_id);
  return { status: 200 };
});
await sim.advance("5m");
const verdict = await sim.score({ observe: clickIds });
await sim.close();
const failed = verdict.checks.filter((check) => check.status === "fail").map((check) => check.id);
console.log(JSON.stringify({ failed, checks: verdict.checks.length, clicks: clickIds.length }));
`,
    );

    const { stdout } = await run(process.execPath, [script], { cwd: projectDir, timeout: 50_000 });

    const result = JSON.parse(stdout) as { failed: string[]; checks: number; clicks: number };
    expect(result.failed).toEqual([]);
    expect(result.checks).toBeGreaterThan(3);
    expect(result.clicks).toBeGreaterThan(60);
  });

  it("type-checks from TypeScript", { timeout: 120_000 }, async () => {
    await writeFile(
      join(projectDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
        },
        include: ["consumer.ts"],
      }),
    );
    // @types/node comes from the repository, as vitest does.
    await symlink(join(REPO, "node_modules", "@types"), join(projectDir, "node_modules", "@types"));
    await writeFile(
      join(projectDir, "consumer.ts"),
      `import { createSimulator, SchedulerLoopLimitError, type SimulatorOptions, type Verdict } from "elido-sim";
import { type SimulatorFixture, useSimulator } from "elido-sim/vitest";
import { expect } from "vitest";

const options: SimulatorOptions = { seed: 1, faults: { receiverOutages: [{ start: "5m", duration: "30m" }] } };
export async function check(): Promise<Verdict> {
  const sim = await createSimulator(options);
  await sim.advance("21m");
  const verdict: Verdict = await sim.score({ receiver: true });
  expect(verdict).toPassAllChecks({ ignore: ["no-misses"] });
  expect(verdict).toHaveCheck("outage-gap", "pass");
  return verdict;
}
export const fixture: (options: SimulatorOptions) => SimulatorFixture = useSimulator;
export const limitCode: string = new SchedulerLoopLimitError(1, 0).code;
`,
    );

    const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], {
      cwd: projectDir,
      timeout: 110_000,
    }).catch((error: { stdout?: string; stderr?: string }) => error);

    expect(`${result.stdout ?? ""}${result.stderr ?? ""}`).toBe("");
  });
});
