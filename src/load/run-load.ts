import { connect } from "node:net";
import { ElidoSimError } from "../errors.js";
import { readObservation } from "../scoring/observation.js";
import { type Calibration, calibrateGenerator } from "./calibrate.js";
import { type DriveOptions, driveLoad } from "./drive-load.js";
import { judgeObservation } from "./judge-observation.js";
import { judgeResponses } from "./judge-responses.js";
import type { LoadCheck } from "./load-check.js";
import type { LoadOptions } from "./load-options.js";
import type { LoadReport } from "./load-report.js";
import { judgeSaturation } from "./saturation.js";

export interface RunLoadHooks {
  /** URL or file to read what the receiver recorded from, after the run. */
  readonly observe?: string | undefined;
  /** Called before each phase, for progress output. */
  readonly onPhase?: (phase: "calibrating" | "loading" | "observing") => void;
}

/** Wall-clock milliseconds the pre-flight connection to the target may take. */
const CONNECT_TIMEOUT_MS = 5_000;

const COORDINATED_OMISSION_FIXED_RATE =
  "Corrected: in fixed-rate mode each request has an intended send time on an even schedule " +
  "(start + index / rate). Latency from the intended start is measured from the earlier of the " +
  "intended and the actual send, so time a request spent waiting for a free connection counts. " +
  "autocannon releases each connection's share of a second as soon as the connection is free, " +
  "so arrivals bunch at the start of each second instead of being evenly spaced.";
const COORDINATED_OMISSION_MAX =
  "Not applicable: in maximum-throughput mode each connection sends its next request when the " +
  "previous answer arrives (a closed model), so there is no intended send time. Latencies are " +
  "service times and do not include queueing that an open stream of deliveries would see.";

/**
 * Runs `elido-sim load`: checks that the target accepts connections, calibrates the generator
 * when asked, drives the load, reads the observation and judges the run.
 */
export async function runLoad(options: LoadOptions, hooks: RunLoadHooks = {}): Promise<LoadReport> {
  await checkReachable(options.target);
  const drive: DriveOptions = {
    target: options.target,
    secret: options.secret,
    rate: options.rate,
    connections: options.connections,
    durationMs: options.durationMs,
    amount: options.amount,
    warmupMs: options.warmupMs,
    maxDurationMs: options.maxDurationMs,
    timeoutSeconds: options.timeoutSeconds,
    duplicates: options.duplicates,
    invalid: options.invalid,
    maxErrorRate: options.maxErrorRate,
    seed: options.seed,
  };

  let calibration: Calibration | undefined;
  if (options.calibrate) {
    hooks.onPhase?.("calibrating");
    calibration = await calibrateGenerator(drive, options.calibrateDurationMs);
  }

  hooks.onPhase?.("loading");
  const measurement = await driveLoad(drive);
  const responses = judgeResponses(measurement, options.duplicates > 0);
  const checks: LoadCheck[] = [
    {
      id: "run-completed",
      status: measurement.aborted ? "fail" : "pass",
      summary: measurement.aborted
        ? `The run aborted: ${measurement.stopReason}.`
        : `The run completed: ${measurement.stopReason}.`,
      examples: [],
    },
    ...responses.checks,
  ];

  let observation: LoadReport["observation"] = null;
  if (hooks.observe !== undefined) {
    hooks.onPhase?.("observing");
    const observed = await readObservation(hooks.observe, Number(options.target.port) || undefined);
    const judged = judgeObservation(measurement, observed);
    observation = judged.summary;
    checks.push(...judged.checks);
  }

  const perSecond =
    measurement.measuredSeconds > 0
      ? measurement.measuredResponses / measurement.measuredSeconds
      : 0;
  const saturation = judgeSaturation({
    achievedRate: perSecond,
    targetRate: options.rate,
    cpuShare: measurement.cpuShare,
    calibration,
    connections: options.connections,
  });

  const report: LoadReport = {
    target: options.target.href,
    mode: options.rate === undefined ? "max-throughput" : "fixed-rate",
    targetRate: options.rate ?? null,
    connections: options.connections,
    warmupSeconds: options.warmupMs / 1_000,
    durationSeconds: options.durationMs === undefined ? null : options.durationMs / 1_000,
    amount: options.amount ?? null,
    seed: options.seed,
    duplicatesShare: options.duplicates,
    invalidShare: options.invalid,
    stopReason: measurement.stopReason ?? "completed",
    aborted: measurement.aborted,
    wallSeconds: measurement.wallSeconds,
    requests: responses.counts,
    throughput: {
      responses: measurement.measuredResponses,
      measuredSeconds: measurement.measuredSeconds,
      perSecond,
      timeline: measurement.timeline,
    },
    latency: {
      unit: "microseconds",
      serviceTime: measurement.serviceTime.summary(),
      fromIntendedStart: measurement.fromIntended?.summary() ?? null,
      coordinatedOmission:
        options.rate === undefined ? COORDINATED_OMISSION_MAX : COORDINATED_OMISSION_FIXED_RATE,
      buckets: (measurement.fromIntended ?? measurement.serviceTime).buckets(),
    },
    saturation: {
      ...saturation,
      generatorCpuShare: measurement.cpuShare,
      calibration: calibration ?? null,
    },
    observation,
    checks,
    passed: checks.every((check) => check.status !== "fail"),
  };
  measurement.serviceTime.destroy();
  measurement.fromIntended?.destroy();
  return report;
}

/** Opens and closes one TCP connection, so an unreachable target fails before any load. */
function checkReachable(target: URL): Promise<void> {
  const port = Number(target.port) || (target.protocol === "https:" ? 443 : 80);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ port, host });
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new ElidoSimError(
          "ELIDO_SIM_ERR_RECEIVER_START",
          `Failed to connect to --target ${target.href}: ${reason}. Is the receiver running and listening on ${host}:${port}?`,
        ),
      );
    };
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
    socket.once("timeout", () => fail(`no connection within ${CONNECT_TIMEOUT_MS / 1_000} s`));
    socket.once("error", (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
