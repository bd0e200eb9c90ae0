import { writeFile } from "node:fs/promises";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { LOAD_DEFAULTS, resolveLoadOptions } from "../load/load-options.js";
import { exitCodeOf } from "../load/load-report.js";
import { renderLoadHtml } from "../load/render-load-html.js";
import { renderLoadTable } from "../load/render-load-table.js";
import { runLoad } from "../load/run-load.js";
import { useColor } from "./terminal.js";

export interface LoadArguments {
  target?: string;
  secret?: string;
  rate?: number;
  connections?: number;
  duration?: string;
  amount?: number;
  warmup?: string;
  maxDuration?: string;
  timeout?: number;
  duplicates?: number;
  invalid?: number;
  maxErrorRate?: number;
  calibrate?: boolean;
  calibrateDuration?: string;
  seed?: number;
  observe?: string;
  json?: string;
  html?: string;
}

export function configureLoadCommand(yargs: Argv): Argv<LoadArguments> {
  return yargs
    .option("target", {
      type: "string",
      describe: "URL of the receiver's webhook endpoint (required)",
    })
    .option("secret", {
      type: "string",
      describe: "Signing secret of the endpoint, whsec_ prefix included (required)",
    })
    .option("rate", {
      type: "number",
      describe: "Fixed rate in requests per second; without it, maximum throughput",
    })
    .option("connections", {
      type: "number",
      describe: `Concurrent keep-alive connections. Default: ${LOAD_DEFAULTS.connections}`,
    })
    .option("duration", {
      type: "string",
      describe: 'Measured time after the warmup: seconds or a duration like "30s", "2m"',
    })
    .option("amount", {
      type: "number",
      describe: "Total requests to send, warmup included; the run also stops at --max-duration",
    })
    .option("warmup", {
      type: "string",
      describe: "Time at the start excluded from the statistics, in seconds. Default: 0",
    })
    .option("max-duration", {
      type: "string",
      describe: `Longest allowed run, warmup included, in seconds. Default: ${LOAD_DEFAULTS.maxDurationMs / 1_000}`,
    })
    .option("timeout", {
      type: "number",
      describe: `Seconds to wait for each response. Default: ${LOAD_DEFAULTS.timeoutSeconds}`,
    })
    .option("duplicates", {
      type: "number",
      describe:
        "Share of requests, 0 to 1, that resend an earlier delivery (same delivery and event id). Default: 0",
    })
    .option("invalid", {
      type: "number",
      describe: "Share of requests, 0 to 1, signed with a wrong secret. Default: 0",
    })
    .option("max-error-rate", {
      type: "number",
      describe: `Abort when this share of outcomes over the last second are errors. Default: ${LOAD_DEFAULTS.maxErrorRate}`,
    })
    .option("calibrate", {
      type: "boolean",
      describe:
        "Measure the generator's ceiling against a trivial responder first. Default: on without --rate",
    })
    .option("calibrate-duration", {
      type: "string",
      describe: `Length of the calibration, in seconds, at most 10. Default: ${LOAD_DEFAULTS.calibrateDurationMs / 1_000}`,
    })
    .option("seed", {
      type: "number",
      describe: `Seed of the click contents and of the request mix. Default: ${LOAD_DEFAULTS.seed}`,
    })
    .option("observe", {
      type: "string",
      describe:
        "URL or file with what the receiver recorded, read after the run; $PORT is the target's port",
    })
    .option("json", {
      type: "string",
      describe: "File to write the JSON report to",
    })
    .option("html", {
      type: "string",
      describe: "File to write the self-contained HTML report to",
    }) as unknown as Argv<LoadArguments>;
}

/**
 * Runs `elido-sim load` and returns the exit code: 0 the run completed and every check passed,
 * 1 a check failed or the run aborted. Usage errors throw and exit with 2.
 */
export async function executeLoad(args: ArgumentsCamelCase<LoadArguments>): Promise<number> {
  const options = resolveLoadOptions({
    target: args.target ?? "",
    secret: args.secret ?? "",
    rate: args.rate,
    connections: args.connections,
    duration: args.duration,
    amount: args.amount,
    warmup: args.warmup,
    maxDuration: args.maxDuration,
    timeoutSeconds: args.timeout,
    duplicates: args.duplicates,
    invalid: args.invalid,
    maxErrorRate: args.maxErrorRate,
    calibrate: args.calibrate,
    calibrateDuration: args.calibrateDuration,
    seed: args.seed,
  });
  const showProgress = process.stderr.isTTY === true;
  const report = await runLoad(options, {
    observe: args.observe,
    ...(showProgress
      ? { onPhase: (phase: string) => process.stderr.write(`elido-sim load: ${phase}...\n`) }
      : {}),
  });
  process.stdout.write(renderLoadTable(report, { color: useColor(process.stdout) }));
  if (args.json !== undefined) {
    await writeFile(args.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`JSON report written to ${args.json}\n`);
  }
  if (args.html !== undefined) {
    await writeFile(args.html, renderLoadHtml(report));
    process.stdout.write(`HTML report written to ${args.html}\n`);
  }
  return exitCodeOf(report);
}
