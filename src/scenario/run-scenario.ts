import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { buildServer } from "../api/server.js";
import type { Clock } from "../clock/clock.js";
import { RealClock, ScaledClock } from "../clock/scaled-clock.js";
import { VirtualClock } from "../clock/virtual-clock.js";
import { Simulation } from "../core/simulation.js";
import { ElidoSimError } from "../errors.js";
import { DeliveryFaultPlan, type OutageWindow } from "../faults/delivery-fault-plan.js";
import { deliveryFaultOptionsFor } from "../faults/delivery-fault-scenario.js";
import { type ProbeResult, sendSignatureProbes } from "../faults/signature-probes.js";
import { type Observation, ObservationError, readObservation } from "../scoring/observation.js";
import { scoreReceiver, type Verdict } from "../scoring/score.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import { CLICK_RECORDED } from "../webhooks/event.js";
import { retryWindowMs } from "../webhooks/retry-policy.js";
import { generateSecret } from "../webhooks/signature.js";
import { findFreePort, type ProcessExit, ReceiverProcess } from "./receiver-process.js";
import type { Scenario } from "./scenario.js";

export interface RunOptions {
  readonly scenario: Scenario;
  /** A receiver that is already running, or where `receiverCmd` will listen. */
  readonly receiverUrl?: string;
  /** Shell command that starts the receiver; see `RECEIVER_ENVIRONMENT`. */
  readonly receiverCmd?: string;
  /** Endpoint signing secret. Default: a `whsec_` secret derived from the seed. */
  readonly secret?: string;
  /** Simulated seconds per real second, overriding the scenario; `Infinity` runs on a virtual clock. */
  readonly speed?: number;
  readonly seed?: number;
  /** URL or file to read what the integration recorded; `$PORT` becomes the receiver's port. */
  readonly observe?: string;
  /** Port of the fake Elido API on 127.0.0.1. Default: 0, a free port. */
  readonly apiPort?: number;
  readonly apiHost?: string;
  /** pino level of the API server. Default: `warn`. */
  readonly logLevel?: string;
  /** Folder for the receiver's output log. */
  readonly logDir?: string;
  /** Called about once a second of wall time while the run is in progress. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called once the API and the receiver are up, before traffic starts. */
  readonly onStart?: (info: RunStartInfo) => void;
}

/** Environment variables a `--receiver-cmd` process receives. */
export const RECEIVER_ENVIRONMENT = [
  "PORT",
  "WEBHOOK_SECRET",
  "ELIDO_API_BASE",
  "ELIDO_WORKSPACE_ID",
  "ELIDO_API_KEY",
] as const;

export interface RunStartInfo {
  readonly apiBase: string;
  readonly receiverUrl: string;
  readonly secret: string;
  readonly workspaceId: number;
  readonly apiKey: string;
  readonly seed: number;
  readonly speed: number;
}

export interface RunProgress {
  /** Simulated milliseconds since the start of the run. */
  readonly elapsedMs: number;
  /** Simulated milliseconds the run is expected to last, retries included. */
  readonly expectedMs: number;
  readonly clicks: number;
  readonly deliveries: number;
  readonly failedAttempts: number;
}

export interface RunResult {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly speed: number;
  readonly clockMode: Clock["mode"];
  readonly startMs: number;
  readonly trafficEndMs: number;
  readonly endMs: number;
  readonly wallMs: number;
  readonly start: RunStartInfo;
  readonly sim: Simulation;
  readonly deliveries: readonly Delivery[];
  readonly probes: readonly ProbeResult[];
  readonly outages: readonly OutageWindow[];
  readonly observation: Observation | undefined;
  readonly observationError: string | undefined;
  /** Deliveries still pending when the run stopped waiting for retries. */
  readonly pendingDeliveries: number;
  /** Errors caught inside scheduled tasks: bugs in the simulator, reported rather than fatal. */
  readonly taskErrors: readonly string[];
  /** How the receiver process ended, if the harness started it and it exited before the end. */
  readonly receiverExitedEarly: ProcessExit | undefined;
  readonly verdict: Verdict;
}

/**
 * Runs a scenario against a receiver and scores it: starts the fake API, starts or reaches the
 * receiver, registers it as a webhook endpoint over HTTP, plays traffic, faults and probes on
 * the scenario's clock, waits for the last retry, reads the observation and runs the checks.
 */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario } = options;
  if (options.receiverUrl === undefined && options.receiverCmd === undefined) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      "Missing receiver: pass --receiver-url URL for a running receiver, --receiver-cmd CMD to start one, or both.",
    );
  }
  const receiverUrl =
    options.receiverUrl === undefined ? undefined : parseReceiverUrl(options.receiverUrl);
  const wallClock = new RealClock();
  const wallStart = wallClock.now();
  const seed = options.seed ?? scenario.seed;
  const speed = options.speed ?? scenario.speed;
  // Without a fixed start, the run starts on the current wall-clock minute.
  const startMs = scenario.startMs ?? Math.floor(wallStart / 60_000) * 60_000;
  const clock: Clock =
    speed === Number.POSITIVE_INFINITY
      ? new VirtualClock(startMs)
      : new ScaledClock(speed, startMs);
  const taskErrors: string[] = [];

  const outages: OutageWindow[] = scenario.outages.map((outage) => ({
    name: outage.name,
    startMs: startMs + outage.offsetMs,
    endMs: startMs + outage.offsetMs + outage.durationMs,
  }));
  const sim = new Simulation({
    clock,
    seed,
    workspaceId: scenario.workspace.id,
    plan: scenario.workspace.plan,
    linkCount: scenario.workspace.links,
    ingestionLagP99Ms: scenario.ingestionLagP99Ms,
    trickyShare: scenario.traffic.trickyShare,
    retryPolicy: scenario.retryPolicy,
    attemptTimeoutMs: scenario.attemptTimeoutMs,
    ...(scenario.pauseAfterConsecutiveFailures === undefined
      ? {}
      : { pauseAfterConsecutiveFailures: scenario.pauseAfterConsecutiveFailures }),
    onTaskError: (error) =>
      taskErrors.push(error instanceof Error ? (error.stack ?? error.message) : String(error)),
  });
  const faults = new DeliveryFaultPlan(sim.random.fork("delivery-faults"), {
    outages,
    duplicateShare: scenario.duplicateShare,
    ...deliveryFaultOptionsFor(scenario.deliveryFaults, startMs),
  });
  // The plan is attached after construction because it needs the simulation's random source.
  sim.dispatcher.setFaults(faults);

  const server = buildServer(sim, { logLevel: options.logLevel ?? "warn" });
  let receiver: ReceiverProcess | undefined;
  let progressTimer: ReturnType<Clock["setTimer"]> | undefined;
  try {
    await server.listen({ host: options.apiHost ?? "127.0.0.1", port: options.apiPort ?? 0 });
    const address = server.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const apiBase = `http://${host}:${address.port}/v1`;
    const apiKey = sim.workspace.apiKeys[0] as string;
    const secret = options.secret ?? generateSecret(sim.random.fork("secret"));

    let url = receiverUrl?.href;
    let port = receiverUrl === undefined ? undefined : effectivePort(receiverUrl);
    if (options.receiverCmd !== undefined) {
      port ??= await findFreePort();
      url ??= `http://127.0.0.1:${port}/webhook`;
      receiver = await ReceiverProcess.start({
        command: options.receiverCmd,
        port,
        wallClock,
        env: {
          PORT: String(port),
          WEBHOOK_SECRET: secret,
          ELIDO_API_BASE: apiBase,
          ELIDO_WORKSPACE_ID: String(sim.workspace.id),
          ELIDO_API_KEY: apiKey,
        },
        ...(options.logDir === undefined ? {} : { logPath: join(options.logDir, "receiver.log") }),
      });
    }
    const endpointId = await registerEndpoint(apiBase, apiKey, url as string, secret);
    const start: RunStartInfo = {
      apiBase,
      receiverUrl: url as string,
      secret,
      workspaceId: sim.workspace.id,
      apiKey,
      seed,
      speed,
    };
    options.onStart?.(start);

    const trafficEndMs = startMs + scenario.durationMs;
    sim.startTraffic({
      startMs,
      endMs: trafficEndMs,
      ratePerSecond: scenario.traffic.ratePerSecond,
    });
    const endpoint = sim.endpoints.get(endpointId);
    const probes: ProbeResult[] = [];
    const probeRandom = sim.random.fork("probes");
    for (const offsetMs of scenario.probeOffsetsMs) {
      sim.scheduler.at(startMs + offsetMs, async () => {
        if (endpoint !== undefined) {
          probes.push(...(await sendSignatureProbes(sim, endpoint, probeRandom)));
        }
      });
    }

    // The last event appears up to a few lag p99s after traffic ends and may need every retry.
    const settleMs = retryWindowMs(sim.retryPolicy) + scenario.ingestionLagP99Ms * 4 + 60_000;
    const expectedMs = scenario.durationMs + settleMs;
    if (options.onProgress !== undefined) {
      const report = options.onProgress;
      const tick = () => {
        report(progressOf(sim, startMs, expectedMs));
        progressTimer = wallClock.setTimer(1_000, tick);
      };
      progressTimer = wallClock.setTimer(1_000, tick);
    }

    const lastProbeMs = startMs + Math.max(0, ...scenario.probeOffsetsMs);
    await sim.scheduler.runUntil(Math.max(trafficEndMs, lastProbeMs));
    // Generous bound: slow receivers stretch simulated time on a scaled clock.
    await sim.scheduler.runUntilQuiet(trafficEndMs + settleMs * 3);
    const endMs = sim.clock.now();
    if (progressTimer !== undefined) {
      wallClock.clearTimer(progressTimer);
      progressTimer = undefined;
    }

    const receiverExitedEarly = receiver?.exit;
    let observation: Observation | undefined;
    let observationError: string | undefined;
    if (options.observe !== undefined) {
      try {
        observation = await readObservation(options.observe, port);
      } catch (error) {
        if (!(error instanceof ObservationError)) {
          throw error;
        }
        observationError = error.message;
      }
    }

    const deliveries = sim.deliveryLog
      .all()
      .filter(
        (delivery) => delivery.endpointId === endpointId && delivery.eventType === CLICK_RECORDED,
      );
    const verdict = scoreReceiver({
      groundTruth: sim.groundTruth,
      deliveries,
      probes,
      outages,
      observation,
      ...(observationError === undefined ? {} : { observationError }),
      expectations: scenario.expectations,
    });
    return {
      scenario,
      seed,
      speed,
      clockMode: clock.mode,
      startMs,
      trafficEndMs,
      endMs,
      wallMs: wallClock.now() - wallStart,
      start,
      sim,
      deliveries,
      probes,
      outages,
      observation,
      observationError,
      pendingDeliveries: deliveries.filter((delivery) => delivery.status === "pending").length,
      taskErrors,
      receiverExitedEarly,
      verdict,
    };
  } finally {
    if (progressTimer !== undefined) {
      wallClock.clearTimer(progressTimer);
    }
    await receiver?.stop();
    await server.close();
    await sim.close();
  }
}

function parseReceiverUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Invalid --receiver-url "${text}": expected an absolute http(s) URL.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Invalid --receiver-url "${text}": expected the http or https scheme, got ${url.protocol}`,
    );
  }
  return url;
}

function effectivePort(url: URL): number {
  if (url.port !== "") {
    return Number(url.port);
  }
  return url.protocol === "https:" ? 443 : 80;
}

async function registerEndpoint(
  apiBase: string,
  apiKey: string,
  url: string,
  secret: string,
): Promise<string> {
  const response = await request(`${apiBase}/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ url, events: [CLICK_RECORDED], secret }),
  });
  const body = (await response.body.json()) as { id?: string; error?: string };
  if (response.statusCode !== 201 || body.id === undefined) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      `Failed to register the receiver ${url} as a webhook endpoint: ${response.statusCode} ${body.error ?? ""}`.trim(),
    );
  }
  return body.id;
}

function progressOf(sim: Simulation, startMs: number, expectedMs: number): RunProgress {
  let failedAttempts = 0;
  const deliveries = sim.deliveryLog.all();
  for (const delivery of deliveries) {
    for (const attempt of delivery.attempts) {
      if (attempt.outcome !== "success") {
        failedAttempts++;
      }
    }
  }
  return {
    elapsedMs: sim.clock.now() - startMs,
    expectedMs,
    clicks: sim.groundTruth.size,
    deliveries: deliveries.length,
    failedAttempts,
  };
}
