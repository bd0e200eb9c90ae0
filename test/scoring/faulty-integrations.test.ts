/**
 * Each check must be able to fail on what an integration does on the wire and in its ledger,
 * whatever language it is written in. Every row runs one standalone program from
 * test/fixtures/integrations/ (or a reference integration) through the real command line. It
 * then compares the verdict in report.json check by check: the exact set of failed checks, the
 * exact set of checks not observed, and a pass for every other check.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const CLI = "dist/src/cli/main.js";
const FIXTURES = resolve("test/fixtures/integrations");
const LEDGER = "http://127.0.0.1:$PORT/ledger";

const RECEIVER_CHECKS = [
  "deliveries-accepted",
  "wrong-secret-rejected",
  "stale-timestamp-rejected",
  "malformed-signature-rejected",
  "outage-gap",
  "no-misses",
  "no-duplicates",
];
const POLLER_CHECKS = [
  "poller-coverage",
  "cursors-followed",
  "retry-after-honoured",
  "poller-efficiency",
  "poller-lag",
  "poller-survival",
  "ledger-matches-ground-truth",
];
const HYBRID_CHECKS = [...RECEIVER_CHECKS, "ledger-matches-ground-truth"];

/**
 * A receiver-only scenario with a 500 ms attempt timeout, for receivers that respond slowly.
 * About five clicks on a virtual clock: each slow first attempt costs one timeout of wall time.
 */
const SLOW_ANSWER_SCENARIO = `
name: slow-first-answer
description: A receiver whose answers can take longer than a short attempt timeout.
seed: 5
start: "2026-05-15T09:00:00Z"
duration: 8m
speed: max
traffic:
  rate: 0.02
webhooks:
  attempt_timeout: 500ms
integration:
  receiver:
    cmd: node "$ELIDO_SIM_EXAMPLES/reference-receiver/main.js"
    observe: http://127.0.0.1:$PORT/ledger
`;

interface Row {
  readonly name: string;
  /** A shipped scenario's name, or `slow-first-answer` for the scenario above. */
  readonly scenario: string;
  /** Runs the scenario's own integration (a reference) when no command is given. */
  readonly receiverCmd?: string;
  readonly pollerCmd?: string;
  readonly hybrid?: boolean;
  readonly checks: readonly string[];
  readonly fails: readonly string[];
  readonly notObserved?: readonly string[];
  /** Why the row is skipped, while a check misjudges it. */
  readonly skip?: string;
}

const node = (file: string) => `node "${join(FIXTURES, file)}"`;
const python = (file: string) => `python3 "${join(FIXTURES, file)}"`;

const ROWS: readonly Row[] = [
  // Reference integrations: every check that the scenario exercises passes.
  {
    name: "reference receiver, happy path",
    scenario: "happy-path",
    checks: RECEIVER_CHECKS,
    fails: [],
  },
  {
    name: "reference receiver, signature attacks",
    scenario: "signature-attacks",
    checks: RECEIVER_CHECKS,
    fails: [],
  },
  {
    name: "reference receiver, duplicate storm",
    scenario: "duplicate-storm",
    checks: RECEIVER_CHECKS,
    fails: [],
  },
  {
    name: "reference receiver, manual redelivery",
    scenario: "manual-redelivery",
    checks: RECEIVER_CHECKS,
    fails: [],
  },
  {
    name: "reference receiver, 500 ms timeout",
    scenario: "slow-first-answer",
    checks: RECEIVER_CHECKS,
    fails: [],
  },
  {
    name: "reference poller, pagination",
    scenario: "poller-pagination",
    checks: POLLER_CHECKS,
    fails: [],
    // No 429 or 503 is served in this scenario.
    notObserved: ["retry-after-honoured"],
  },
  {
    name: "reference poller, late clicks",
    scenario: "late-arriving-clicks",
    checks: POLLER_CHECKS,
    fails: [],
    notObserved: ["retry-after-honoured"],
  },
  {
    name: "reference poller, rate-limit storm",
    scenario: "rate-limit-storm",
    checks: POLLER_CHECKS,
    fails: [],
  },
  {
    name: "reference poller, API outage",
    scenario: "api-outage-catch-up",
    checks: POLLER_CHECKS,
    fails: [],
  },
  {
    name: "hybrid, long outage",
    scenario: "long-outage-reconciliation",
    checks: HYBRID_CHECKS,
    fails: [],
  },

  // Faulty receivers.
  {
    name: "receiver without signature check",
    scenario: "signature-attacks",
    receiverCmd: node("no-signature-check.mjs"),
    checks: RECEIVER_CHECKS,
    // Every probe gets a 200: wrong secret, stale and malformed alike. no-duplicates: the
    // probes' clicks never happened, and the ledger records them.
    fails: [
      "malformed-signature-rejected",
      "no-duplicates",
      "stale-timestamp-rejected",
      "wrong-secret-rejected",
    ],
  },
  {
    name: "receiver without timestamp window (Python)",
    scenario: "signature-attacks",
    receiverCmd: python("no-timestamp-window.py"),
    checks: RECEIVER_CHECKS,
    // The 10-minute-old probes carry a valid signature and get a 200. no-duplicates: their
    // clicks, which never happened, are recorded.
    fails: ["no-duplicates", "stale-timestamp-rejected"],
  },
  {
    name: "receiver whose compare throws",
    scenario: "signature-attacks",
    receiverCmd: node("throwing-compare.mjs"),
    checks: RECEIVER_CHECKS,
    // Short, long, non-hex, empty and missing signatures throw and get a 500, not a 4xx.
    fails: ["malformed-signature-rejected"],
  },
  {
    name: "receiver hashing re-serialized JSON",
    scenario: "signature-attacks",
    receiverCmd: node("reserialized-hmac.mjs"),
    checks: RECEIVER_CHECKS,
    // deliveries-accepted: valid deliveries with Go-escaped characters get a 401.
    // outage-gap: every attempt of those deliveries reaches the receiver and gets a 401, so
    // they fail permanently through the receiver's own answers, with no outage injected.
    fails: ["deliveries-accepted", "outage-gap"],
  },
  {
    name: "receiver deduplicating by delivery id",
    scenario: "manual-redelivery",
    receiverCmd: node("dedupe-by-delivery-id.mjs"),
    checks: RECEIVER_CHECKS,
    // The replayed events arrive under new delivery ids and their clicks are recorded twice.
    fails: ["no-duplicates"],
  },
  {
    name: "receiver without deduplication",
    scenario: "duplicate-storm",
    receiverCmd: node("no-dedupe.mjs"),
    checks: RECEIVER_CHECKS,
    // Resent attempts, concurrent copies and retries after lost 2xx answers are all recorded.
    fails: ["no-duplicates"],
  },
  {
    name: "receiver acknowledging before its write",
    scenario: "happy-path",
    receiverCmd: node("ack-before-write.mjs"),
    checks: RECEIVER_CHECKS,
    // Clicks with an emoji got a 2xx, then their write failed, so they are not in the ledger.
    fails: ["no-misses"],
  },
  {
    name: "receiver answering after the timeout",
    scenario: "slow-first-answer",
    receiverCmd: node("slow-answer.mjs"),
    checks: RECEIVER_CHECKS,
    // Every first attempt times out after 500 ms; the retries succeed at once, so nothing is
    // lost or recorded twice.
    fails: ["deliveries-accepted"],
  },
  {
    name: "webhook-only receiver judged as hybrid",
    scenario: "long-outage-reconciliation",
    receiverCmd: `node "${resolve("dist/examples/reference-receiver/main.js")}"`,
    hybrid: true,
    checks: HYBRID_CHECKS,
    // Clicks whose four attempts all fell in the 40-minute outage are never recovered, because
    // this receiver does not reconcile through the analytics API. outage-gap still passes:
    // those clicks were lost to the injected outage, not to the receiver's answers.
    fails: ["ledger-matches-ground-truth"],
  },

  // Faulty pollers.
  {
    name: "poller reading the first page only",
    scenario: "poller-pagination",
    pollerCmd: node("first-page-only.mjs"),
    checks: POLLER_CHECKS,
    // cursors-followed: no next_cursor is ever requested. poller-coverage and the ledger: the
    // burst clicks beyond the first 1000 of a window are never served.
    fails: ["cursors-followed", "ledger-matches-ground-truth", "poller-coverage"],
    notObserved: ["retry-after-honoured"],
  },
  {
    name: "poller reading forward only",
    scenario: "late-arriving-clicks",
    pollerCmd: node("forward-only.mjs"),
    checks: POLLER_CHECKS,
    // Clicks that became visible after the poller had read past their occurred_at are never
    // served, so they are neither covered nor in the ledger.
    fails: ["ledger-matches-ground-truth", "poller-coverage"],
    notObserved: ["retry-after-honoured"],
  },
  {
    name: "poller ignoring Retry-After (Python)",
    scenario: "rate-limit-storm",
    pollerCmd: python("ignores-retry-after.py"),
    checks: POLLER_CHECKS,
    // It retries two simulated seconds after each 429, inside the Retry-After of the storm.
    // It still gets every click once the storm ends.
    fails: ["retry-after-honoured"],
  },
  {
    name: "poller exiting on the first error",
    scenario: "api-outage-catch-up",
    pollerCmd: node("exits-on-error.mjs"),
    checks: POLLER_CHECKS,
    // poller-survival: the refused connection at 5 minutes ends the process. poller-coverage:
    // no click after that is served. The ledger cannot be read from a process that exited.
    fails: ["ledger-matches-ground-truth", "poller-coverage", "poller-survival"],
    // It exits before the API answers its first 503 with Retry-After.
    notObserved: ["retry-after-honoured"],
  },
];

interface ReportCheck {
  readonly id: string;
  readonly status: "pass" | "fail" | "not_observed";
  readonly summary: string;
}

interface CliRun {
  readonly code: number;
  readonly output: string;
  readonly checks: readonly ReportCheck[];
}

let scenarioDir: string;

function runCli(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, NO_COLOR: "1" }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) {
          code = typeof error.code === "number" ? error.code : -1;
        }
        resolvePromise({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function runRow(row: Row): Promise<CliRun> {
  const reportDir = await mkdtemp(join(tmpdir(), "elido-sim-faulty-"));
  const scenario =
    row.scenario === "slow-first-answer"
      ? join(scenarioDir, "slow-first-answer.yaml")
      : row.scenario;
  const args = ["run", scenario, "--report", reportDir];
  if (row.receiverCmd !== undefined) {
    args.push("--receiver-cmd", row.receiverCmd, "--observe", LEDGER);
  }
  if (row.pollerCmd !== undefined) {
    args.push("--poller-cmd", row.pollerCmd, "--poller-observe", LEDGER);
  }
  if (row.hybrid === true) {
    args.push("--hybrid");
  }
  const { code, output } = await runCli(args);
  let checks: ReportCheck[] = [];
  try {
    const report = JSON.parse(await readFile(join(reportDir, "report.json"), "utf8"));
    checks = report.checks;
  } catch {
    // No report: the run failed before scoring, and `output` shows why.
  }
  return { code, output, checks };
}

function idsWithStatus(checks: readonly ReportCheck[], status: ReportCheck["status"]): string[] {
  return checks
    .filter((check) => check.status === status)
    .map((check) => check.id)
    .sort();
}

beforeAll(async () => {
  const python3 = spawnSync("python3", ["--version"], { encoding: "utf8" });
  if (python3.status !== 0) {
    throw new Error(
      `python3 --version failed (${python3.error?.message ?? python3.stderr}); the Python fixtures need Python 3 on PATH.`,
    );
  }
  scenarioDir = await mkdtemp(join(tmpdir(), "elido-sim-faulty-scenarios-"));
  await writeFile(join(scenarioDir, "slow-first-answer.yaml"), SLOW_ANSWER_SCENARIO);
});

describe("faulty integrations", () => {
  for (const row of ROWS) {
    const test = row.skip === undefined ? it : it.skip;
    test(row.name, { timeout: 180_000 }, async () => {
      const run = await runRow(row);
      const verdict = run.checks.map((check) => `${check.id}: ${check.status}: ${check.summary}`);
      const context = `${row.name}\n${verdict.join("\n")}\n--- CLI output ---\n${run.output}`;

      expect(run.checks.map((check) => check.id).sort(), context).toEqual([...row.checks].sort());
      expect(idsWithStatus(run.checks, "fail"), context).toEqual([...row.fails].sort());
      expect(idsWithStatus(run.checks, "not_observed"), context).toEqual(
        [...(row.notObserved ?? [])].sort(),
      );
      const expectedPasses = row.checks.filter(
        (id) => !row.fails.includes(id) && !(row.notObserved ?? []).includes(id),
      );
      expect(idsWithStatus(run.checks, "pass"), context).toEqual([...expectedPasses].sort());
      expect(run.code, context).toBe(row.fails.length === 0 ? 0 : 1);
    });
  }
});
