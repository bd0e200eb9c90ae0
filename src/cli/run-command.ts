import { mkdir } from "node:fs/promises";
import { extname, join } from "node:path";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { formatDuration, parseDurationMs } from "../clock/duration.js";
import { ElidoSimError } from "../errors.js";
import { renderScorecard } from "../report/scorecard.js";
import { writeReports } from "../report/write-reports.js";
import { listShippedScenarios, loadScenario } from "../scenario/load-scenario.js";
import { type RunProgress, runScenario } from "../scenario/run-scenario.js";
import type { Scenario } from "../scenario/scenario.js";
import {
  DELIVERY_PROFILE_NAMES,
  type DeliveryProfileName,
  withDeliveryProfile,
} from "../webhooks/profiles.js";
import { useColor } from "./terminal.js";

export interface RunArguments {
  scenario: string[];
  all?: boolean;
  pollerCmd?: string;
  pollerObserve?: string;
  hybrid?: boolean;
  pollerWait?: number;
  expect?: string[];
  receiverUrl?: string;
  receiverCmd?: string;
  secret?: string;
  speed?: string;
  seed?: number;
  observe?: string;
  report?: string;
  junit?: string;
  markdown?: string;
  html?: string;
  apiPort: number;
  logLevel: string;
  profile?: string;
}

export function configureRunCommand(yargs: Argv): Argv<RunArguments> {
  return yargs
    .positional("scenario", {
      type: "string",
      array: true,
      describe:
        "Names of shipped scenarios (see `elido-sim scenarios`) or paths to YAML or JSON files, run one after another",
    })
    .option("all", { type: "boolean", describe: "Run every shipped scenario" })
    .option("poller-cmd", {
      type: "string",
      describe:
        "Shell command that starts a poller under test; it gets the same environment as --receiver-cmd",
    })
    .option("poller-observe", {
      type: "string",
      describe:
        "URL or file with what the poller recorded, read at the end; $PORT is the poller's port",
    })
    .option("poller-wait", {
      type: "number",
      describe:
        "Wall-clock seconds to wait at the end for the poller to finish a sweep over the last clicks. Default: 60",
    })
    .option("hybrid", {
      type: "boolean",
      describe: "Judge the receiver as a hybrid: its ledger must end equal to the ground truth",
    })
    .option("expect", {
      type: "string",
      array: true,
      describe:
        "Override an expectation of the scenario, e.g. --expect min_coverage=0.99 --expect max_poller_lag_p99=5m",
    })
    .option("receiver-url", {
      type: "string",
      describe:
        "URL of a running receiver; with --receiver-cmd, where the started receiver listens",
    })
    .option("receiver-cmd", {
      type: "string",
      describe:
        "Shell command that starts the receiver. It gets PORT, WEBHOOK_SECRET, ELIDO_API_BASE, " +
        "ELIDO_WORKSPACE_ID and ELIDO_API_KEY, and must serve http://127.0.0.1:$PORT/webhook",
    })
    .option("secret", {
      type: "string",
      describe:
        "Signing secret of the endpoint. Default: a generated whsec_ secret, printed at start",
    })
    .option("speed", {
      type: "string",
      describe:
        'Simulated seconds per real second, or "max" for a virtual clock. Default: the scenario\'s',
    })
    .option("seed", {
      type: "number",
      describe: "Seed that fixes every random choice. Default: the scenario's",
    })
    .option("observe", {
      type: "string",
      describe:
        "URL or file with what the integration recorded, read at the end; $PORT is the receiver's port",
    })
    .option("report", {
      type: "string",
      describe:
        "Folder to write report.json, junit.xml, summary.md, report.html and receiver.log into",
    })
    .option("junit", {
      type: "string",
      describe: "File to write JUnit XML into, one test case per check",
    })
    .option("markdown", {
      type: "string",
      describe: "File to write a Markdown summary into, e.g. $GITHUB_STEP_SUMMARY",
    })
    .option("html", {
      type: "string",
      describe: "File to write the self-contained HTML report into",
    })
    .option("api-port", {
      type: "number",
      default: 0,
      describe: "Port of the fake Elido API on 127.0.0.1; 0 picks a free port",
    })
    .option("profile", {
      type: "string",
      choices: [...DELIVERY_PROFILE_NAMES],
      describe:
        "Delivery profile: retry delays, attempt timeout and endpoint pausing of one documented " +
        "Elido variant; the scenario's explicit webhook settings still override it. Default: the scenario's",
    })
    .option("log-level", {
      type: "string",
      default: "warn",
      choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      describe: "Log level of the fake API server (pino, to stderr)",
    }) as unknown as Argv<RunArguments>;
}

/** Runs `elido-sim run` and returns the exit code: 0 when every check of every scenario passes, 1 otherwise. */
export async function executeRun(args: ArgumentsCamelCase<RunArguments>): Promise<number> {
  const names = args.all === true ? await listShippedScenarios() : (args.scenario ?? []);
  if (names.length === 0) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      "Missing scenario: name one or more (see `elido-sim scenarios`), give a file path, or pass --all.",
    );
  }
  // Load every scenario first, so a typo in the last one fails before the first one runs.
  const scenarios = names.map((name) => {
    const loaded = loadScenario(name);
    return args.profile === undefined
      ? loaded
      : withDeliveryProfile(loaded, args.profile as DeliveryProfileName);
  });
  const expectations = parseExpectations(args.expect ?? []);
  let exitCode = 0;
  const outcomes: string[] = [];
  for (const scenario of scenarios) {
    const reportDir =
      args.report === undefined
        ? undefined
        : scenarios.length === 1
          ? args.report
          : join(args.report, scenario.name);
    const passed = await runOne(scenario, args, reportDir, expectations);
    outcomes.push(
      `${passed.passed ? "PASS" : "FAIL"}  ${scenario.name}  score ${passed.score}/100`,
    );
    if (!passed.passed) {
      exitCode = 1;
    }
  }
  if (scenarios.length > 1) {
    process.stdout.write(
      `\nSuite: ${outcomes.filter((line) => line.startsWith("PASS")).length}/${outcomes.length} scenarios passed\n${outcomes.map((line) => `  ${line}`).join("\n")}\n`,
    );
  }
  return exitCode;
}

async function runOne(
  scenario: Scenario,
  args: ArgumentsCamelCase<RunArguments>,
  reportDir: string | undefined,
  expectations: Partial<Scenario["expectations"]>,
): Promise<{ passed: boolean; score: number }> {
  const speed = parseSpeed(args.speed);
  if (
    args.seed !== undefined &&
    (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff)
  ) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Invalid --seed ${args.seed}: expected an integer from 0 to 4294967295.`,
    );
  }
  if (reportDir !== undefined) {
    await mkdir(reportDir, { recursive: true });
  }
  const color = useColor(process.stdout);
  const showProgress = process.stderr.isTTY === true;
  const result = await runScenario({
    scenario,
    ...(args.receiverUrl === undefined ? {} : { receiverUrl: args.receiverUrl }),
    ...(args.receiverCmd === undefined ? {} : { receiverCmd: args.receiverCmd }),
    ...(args.secret === undefined ? {} : { secret: args.secret }),
    ...(speed === undefined ? {} : { speed }),
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    ...(args.observe === undefined ? {} : { observe: args.observe }),
    ...(args.pollerCmd === undefined ? {} : { pollerCmd: args.pollerCmd }),
    ...(args.pollerObserve === undefined ? {} : { pollerObserve: args.pollerObserve }),
    ...(args.hybrid === undefined ? {} : { hybrid: args.hybrid }),
    ...(args.pollerWait === undefined
      ? {}
      : { pollerFinalWaitMs: parsePollerWait(args.pollerWait) }),
    ...(reportDir === undefined ? {} : { logDir: reportDir }),
    expectations,
    apiPort: args.apiPort,
    logLevel: args.logLevel,
    onStart: (info) => {
      process.stdout.write(
        [
          `elido-sim run ${scenario.name}: ${formatDuration(scenario.durationMs)} of traffic, seed ${info.seed}, ` +
            (Number.isFinite(info.speed) ? `speed ${info.speed}x` : "virtual clock"),
          `  API base:       ${info.apiBase}  (workspace ${info.workspaceId}, key ${info.apiKey})`,
          ...(info.receiverUrl === undefined ? [] : [`  Receiver:       ${info.receiverUrl}`]),
          ...(info.pollerCmd === undefined ? [] : [`  Poller:         ${info.pollerCmd}`]),
          `  Webhook secret: ${info.secret}`,
          "",
        ].join("\n"),
      );
    },
    ...(showProgress ? { onProgress: (progress: RunProgress) => writeProgress(progress) } : {}),
  });
  if (showProgress) {
    process.stderr.write("\r\u001b[2K");
  }
  process.stdout.write(`\n${renderScorecard(result, { color })}`);
  const written = await writeReports(result, {
    ...(reportDir === undefined ? {} : { dir: reportDir }),
    ...(args.junit === undefined ? {} : { junit: suffixed(args.junit, scenario.name, args) }),
    ...(args.markdown === undefined
      ? {}
      : { markdown: suffixed(args.markdown, scenario.name, args) }),
    ...(args.html === undefined ? {} : { html: suffixed(args.html, scenario.name, args) }),
  });
  for (const path of written) {
    process.stdout.write(`Report written to ${path}\n`);
  }
  return { passed: result.verdict.passed, score: result.verdict.score };
}

/** With several scenarios, single-file reports get the scenario name before the extension. */
function suffixed(
  path: string,
  scenarioName: string,
  args: ArgumentsCamelCase<RunArguments>,
): string {
  const several = args.all === true || (args.scenario?.length ?? 0) > 1;
  if (!several) {
    return path;
  }
  const extension = extname(path);
  return `${path.slice(0, path.length - extension.length)}.${scenarioName}${extension}`;
}

const EXPECTATION_KEYS: Record<
  string,
  { key: keyof Scenario["expectations"]; parse: (text: string) => number | undefined; form: string }
> = {
  min_accepted_share: { key: "minAcceptedShare", parse: parseShare, form: "a number from 0 to 1" },
  min_coverage: { key: "minCoverage", parse: parseShare, form: "a number from 0 to 1" },
  max_poller_lag_p99: {
    key: "maxPollerLagP99Ms",
    parse: (text) => parseDurationMs(text),
    form: 'a duration like "30s" or "10m"',
  },
  max_requests_per_click: {
    key: "maxRequestsPerClick",
    parse: (text) => (Number(text) > 0 ? Number(text) : undefined),
    form: "a number > 0",
  },
};

function parseShare(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== "" && value >= 0 && value <= 1 ? value : undefined;
}

/** Parses `--expect key=value` overrides. */
function parseExpectations(pairs: readonly string[]): Partial<Scenario["expectations"]> {
  const overrides: Partial<Record<keyof Scenario["expectations"], number>> = {};
  for (const pair of pairs) {
    const [name = "", value = ""] = pair.split("=", 2);
    const spec = EXPECTATION_KEYS[name];
    if (spec === undefined) {
      throw new ElidoSimError(
        "ELIDO_SIM_ERR_USAGE",
        `Invalid --expect "${pair}": unknown expectation "${name}"; expected one of ${Object.keys(EXPECTATION_KEYS).join(", ")}.`,
      );
    }
    const parsed = spec.parse(value);
    if (parsed === undefined) {
      throw new ElidoSimError(
        "ELIDO_SIM_ERR_USAGE",
        `Invalid --expect "${pair}": expected ${spec.form} for ${name}, got "${value}".`,
      );
    }
    overrides[spec.key] = parsed;
  }
  return overrides;
}

function parsePollerWait(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Invalid --poller-wait ${seconds}: expected a number of seconds from 0 to 3600.`,
    );
  }
  return seconds * 1_000;
}

function parseSpeed(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (text === "max") {
    return Number.POSITIVE_INFINITY;
  }
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 100_000) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Invalid --speed "${text}": expected a number > 0 and <= 100000, or "max" for a virtual clock.`,
    );
  }
  return speed;
}

function writeProgress(progress: RunProgress): void {
  const percent = Math.min(100, Math.round((progress.elapsedMs / progress.expectedMs) * 100));
  process.stderr.write(
    `\r\u001b[2K  simulated ${formatDuration(Math.max(0, Math.round(progress.elapsedMs / 1000) * 1000))} (~${percent}%), ` +
      `${progress.clicks} clicks, ${progress.deliveries} deliveries, ${progress.failedAttempts} failed attempts`,
  );
}
