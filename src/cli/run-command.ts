import { mkdir } from "node:fs/promises";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { formatDuration } from "../clock/duration.js";
import { ElidoSimError } from "../errors.js";
import { renderScorecard } from "../report/scorecard.js";
import { writeReports } from "../report/write-reports.js";
import { loadScenario } from "../scenario/load-scenario.js";
import { type RunProgress, runScenario } from "../scenario/run-scenario.js";
import {
  DELIVERY_PROFILE_NAMES,
  type DeliveryProfileName,
  withDeliveryProfile,
} from "../webhooks/profiles.js";
import { useColor } from "./terminal.js";

export interface RunArguments {
  scenario: string;
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
      demandOption: true,
      describe:
        "Name of a shipped scenario (see `elido-sim scenarios`) or path to a YAML or JSON file",
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

/** Runs `elido-sim run` and returns the exit code: 0 all checks pass, 1 one fails. */
export async function executeRun(args: ArgumentsCamelCase<RunArguments>): Promise<number> {
  const loaded = loadScenario(args.scenario);
  const scenario =
    args.profile === undefined
      ? loaded
      : withDeliveryProfile(loaded, args.profile as DeliveryProfileName);
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
  if (args.report !== undefined) {
    await mkdir(args.report, { recursive: true });
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
    ...(args.report === undefined ? {} : { logDir: args.report }),
    apiPort: args.apiPort,
    logLevel: args.logLevel,
    onStart: (info) => {
      process.stdout.write(
        [
          `elido-sim run ${scenario.name}: ${formatDuration(scenario.durationMs)} of traffic, seed ${info.seed}, ` +
            (Number.isFinite(info.speed) ? `speed ${info.speed}x` : "virtual clock"),
          `  API base:       ${info.apiBase}  (workspace ${info.workspaceId}, key ${info.apiKey})`,
          `  Receiver:       ${info.receiverUrl}`,
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
    ...(args.report === undefined ? {} : { dir: args.report }),
    ...(args.junit === undefined ? {} : { junit: args.junit }),
    ...(args.markdown === undefined ? {} : { markdown: args.markdown }),
    ...(args.html === undefined ? {} : { html: args.html }),
  });
  for (const path of written) {
    process.stdout.write(`Report written to ${path}\n`);
  }
  return result.verdict.passed ? 0 : 1;
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
