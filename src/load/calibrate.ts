import { spawn } from "node:child_process";
import { RealClock } from "../clock/scaled-clock.js";
import { ElidoSimError } from "../errors.js";
import { type DriveOptions, driveLoad } from "./drive-load.js";

/** The generator's ceiling, measured against a responder that does no work. */
export interface Calibration {
  /** Responses per second the generator reached against the trivial responder. */
  readonly rate: number;
  /** Process CPU over the calibration as a share of one core. */
  readonly cpuShare: number;
  /**
   * Estimated responses per second of the generator on one full core: `rate / cpuShare` when
   * the generator used less than a core, which happens when the responder, not the generator,
   * was the bottleneck of the calibration (typical on a machine with two cores).
   */
  readonly ceilingRate: number;
  /** Measured seconds, after a quarter of the calibration spent warming up the JIT. */
  readonly seconds: number;
}

/**
 * A responder that reads the body and answers 200 `{}` on 127.0.0.1, printing its port. It runs
 * as a child process so its work does not count against the generator's core.
 */
const TRIVIAL_RESPONDER = `
const http = require("node:http");
const server = http.createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json", "content-length": "2" });
    response.end("{}");
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
process.on("SIGTERM", () => process.exit(0));
`;

/** Longest wait for the responder to print its port, in wall-clock milliseconds. */
const START_TIMEOUT_MS = 10_000;

/**
 * Runs the generator at maximum throughput against a trivial responder for
 * `calibrateDurationMs`, with the same connections and request mix as the real run.
 */
export async function calibrateGenerator(
  options: DriveOptions,
  calibrateDurationMs: number,
): Promise<Calibration> {
  const child = spawn(process.execPath, ["-e", TRIVIAL_RESPONDER], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const port = await waitForPort(child);
    const measurement = await driveLoad({
      ...options,
      target: new URL(`http://127.0.0.1:${port}/webhook`),
      rate: undefined,
      durationMs: calibrateDurationMs * 0.75,
      amount: undefined,
      warmupMs: calibrateDurationMs * 0.25,
      maxDurationMs: calibrateDurationMs,
      // The responder never fails, so an abort here would mean a broken calibration.
      maxErrorRate: 1,
    });
    measurement.serviceTime.destroy();
    const rate =
      measurement.measuredSeconds > 0
        ? measurement.measuredResponses / measurement.measuredSeconds
        : 0;
    // Below 5 % of a core the share is noise, so the estimate would explode.
    const busyShare = Math.min(1, Math.max(0.05, measurement.cpuShare));
    return {
      rate,
      cpuShare: measurement.cpuShare,
      ceilingRate: rate / busyShare,
      seconds: measurement.measuredSeconds,
    };
  } finally {
    child.kill("SIGTERM");
  }
}

function waitForPort(child: ReturnType<typeof spawn>): Promise<number> {
  const clock = new RealClock();
  return new Promise<number>((resolve, reject) => {
    let stderr = "";
    const timer = clock.setTimer(START_TIMEOUT_MS, () =>
      fail(`no port printed within ${START_TIMEOUT_MS / 1_000} s`),
    );
    const fail = (reason: string) => {
      clock.clearTimer(timer);
      reject(
        new ElidoSimError(
          "ELIDO_SIM_ERR_RECEIVER_START",
          `Failed to start the calibration responder: ${reason}.${stderr === "" ? "" : ` Its stderr: ${stderr.trim()}`} Run with --no-calibrate to skip calibration.`,
        ),
      );
    };
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.once("data", (chunk: Buffer) => {
      clock.clearTimer(timer);
      resolve(Number(chunk.toString().trim()));
    });
    child.once("exit", (code) => fail(`it exited with code ${code}`));
    child.once("error", (error) => fail(error.message));
  });
}
