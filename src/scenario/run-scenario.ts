import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { buildServer } from "../api/server.js";
import type { Clock } from "../clock/clock.js";
import { RealClock, ScaledClock } from "../clock/scaled-clock.js";
import { VirtualClock } from "../clock/virtual-clock.js";
import { Simulation } from "../core/simulation.js";
import { ElidoSimError } from "../errors.js";
import { ApiFaultPlan } from "../faults/api-fault-plan.js";
import { DeliveryFaultPlan, type OutageWindow } from "../faults/delivery-fault-plan.js";
import { deliveryFaultOptionsFor } from "../faults/delivery-fault-scenario.js";
import { type ProbeResult, sendSignatureProbes } from "../faults/signature-probes.js";
import { type Observation, ObservationError, readObservation } from "../scoring/observation.js";
import type { ProcessExitRecord } from "../scoring/poller-input.js";
import { type IntegrationMode, scoreIntegration, type Verdict } from "../scoring/score.js";
import type { Delivery } from "../webhooks/delivery-log.js";
import { CLICK_RECORDED } from "../webhooks/event.js";
import { retryWindowMs } from "../webhooks/retry-policy.js";
import { generateSecret } from "../webhooks/signature.js";
import { examplesDir } from "./package-paths.js";
import { findFreePort, type ProcessExit, ReceiverProcess } from "./receiver-process.js";
import type { Scenario } from "./scenario.js";

export interface RunOptions {
  readonly scenario: Scenario;
  /** A receiver that is already running, or where `receiverCmd` will listen. */
  readonly receiverUrl?: string;
  /** Shell command that starts the receiver; see `INTEGRATION_ENVIRONMENT`. */
  readonly receiverCmd?: string;
  /** Endpoint signing secret. Default: a `whsec_` secret derived from the seed. */
  readonly secret?: string;
  /** Simulated seconds per real second, overriding the scenario; `Infinity` runs on a virtual clock. */
  readonly speed?: number;
  readonly seed?: number;
  /** URL or file to read what the receiver recorded; `$PORT` becomes the receiver's port. */
  readonly observe?: string;
  /** Shell command that starts a poller under test; it gets the same environment as a receiver. */
  readonly pollerCmd?: string;
  /** URL or file to read what the poller recorded; `$PORT` becomes the poller's port. */
  readonly pollerObserve?: string;
  /**
   * Judge the receiver as a hybrid integration: besides the receiver checks, its ledger must
   * end equal to the ground truth, recovering outage gaps through the analytics API.
   */
  readonly hybrid?: boolean;
  /**
   * Wall-clock milliseconds to wait at the end for the poller to complete a sweep that started
   * after the last click became visible. Default: 60000.
   */
  readonly pollerFinalWaitMs?: number;
  /** Overrides of the scenario's expectations, e.g. from `--expect`. */
  readonly expectations?: Partial<Scenario["expectations"]>;
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

/** Environment variables a `--receiver-cmd` or `--poller-cmd` process receives. */
export const INTEGRATION_ENVIRONMENT = [
  "PORT",
  "WEBHOOK_SECRET",
  "ELIDO_API_BASE",
  "ELIDO_WORKSPACE_ID",
  "ELIDO_API_KEY",
  "ELIDO_SIM_SPEED",
  "ELIDO_SIM_EXAMPLES",
] as const;

/**
 * Simulated time a poller gets after the last click became visible, to read it. The reference
 * poller polls every 30 simulated seconds, so three minutes leave room for retries.
 */
const POLLER_GRACE_MS = 3 * 60_000;

/**
 * Wall-clock milliseconds a run waits, after the grace period, for a poller that paces itself
 * by the wall clock (and ignores `ELIDO_SIM_SPEED`) to finish a sweep over the final clicks.
 */
const DEFAULT_POLLER_FINAL_WAIT_MS = 60_000;

export interface RunStartInfo {
  readonly apiBase: string;
  /** Webhook URL of the receiver; undefined when only a poller is under test. */
  readonly receiverUrl: string | undefined;
  /** The poller command, when a poller is under test. */
  readonly pollerCmd: string | undefined;
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
  /** Exit of the receiver process, if the harness started it and it exited before the end. */
  readonly receiverExitedEarly: ProcessExit | undefined;
  /** Kind of integration that was judged. */
  readonly mode: IntegrationMode;
  readonly pollerObservation: Observation | undefined;
  readonly pollerObservationError: string | undefined;
  /** Exit of the poller process, if it exited before the end of the run. */
  readonly pollerExit: ProcessExitRecord | undefined;
  readonly verdict: Verdict;
}

/**
 * Runs a scenario against an integration and scores it. It starts the fake API, starts or
 * reaches the receiver and the poller, and registers the receiver as a webhook endpoint over
 * HTTP. It then plays traffic, faults and probes on the scenario's clock, waits for the last
 * retry, reads what the integration recorded and runs the checks that apply.
 */
export async function runScenario(options: RunOptions): Promise<RunResult> {
  const scenario = withExpectationOverrides(options.scenario, options.expectations);
  const integration = resolveIntegration(options, scenario);
  const hybrid = options.hybrid ?? scenario.integration.hybrid;
  const wallClock = new RealClock();
  const wallStart = wallClock.now();
  const seed = options.seed ?? scenario.seed;
  const speed = options.speed ?? scenario.speed;
  if (integration.poller !== undefined && speed === Number.POSITIVE_INFINITY) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      'Invalid --speed "max" with a poller: a poller runs on the wall clock and would fall behind a virtual clock. Pass a number, e.g. --speed 300.',
    );
  }
  // Without a fixed start, the run starts on the current wall-clock minute.
  const startMs = scenario.startMs ?? Math.floor(wallStart / 60_000) * 60_000;
  // A scaled clock is paused while the API, the receiver and the poller start, and runs from
  // the moment traffic starts.
  const clock: VirtualClock | ScaledClock =
    speed === Number.POSITIVE_INFINITY
      ? new VirtualClock(startMs)
      : new ScaledClock(speed, startMs, { paused: true });
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

  const apiFaults = new ApiFaultPlan({
    scheduler: sim.scheduler,
    random: sim.random.fork("api-faults"),
    ingestion: sim,
    timeline: sim.dispatcher.timeline,
  });
  for (const fault of scenario.apiFaults) {
    apiFaults.add({ ...fault, startMs: startMs + fault.startMs, endMs: startMs + fault.endMs });
  }
  const server = buildServer(sim, { logLevel: options.logLevel ?? "warn", apiFaults });
  let receiver: ReceiverProcess | undefined;
  let poller: ReceiverProcess | undefined;
  let pollerExit: ProcessExitRecord | undefined;
  let progressTimer: ReturnType<Clock["setTimer"]> | undefined;
  try {
    await server.listen({ host: options.apiHost ?? "127.0.0.1", port: options.apiPort ?? 0 });
    const address = server.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const apiBase = `http://${host}:${address.port}/v1`;
    const apiKey = sim.workspace.apiKeys[0] as string;
    const secret = options.secret ?? generateSecret(sim.random.fork("secret"));
    const environment = (port: number): Record<string, string> => ({
      PORT: String(port),
      WEBHOOK_SECRET: secret,
      ELIDO_API_BASE: apiBase,
      ELIDO_WORKSPACE_ID: String(sim.workspace.id),
      ELIDO_API_KEY: apiKey,
      ELIDO_SIM_SPEED: String(speed),
      ELIDO_SIM_EXAMPLES: examplesDir(),
    });

    let receiverUrl = integration.receiver?.url?.href;
    let receiverPort =
      integration.receiver?.url === undefined ? undefined : effectivePort(integration.receiver.url);
    if (integration.receiver?.cmd !== undefined) {
      receiverPort ??= await findFreePort();
      receiverUrl ??= `http://127.0.0.1:${receiverPort}/webhook`;
      receiver = await ReceiverProcess.start({
        command: integration.receiver.cmd,
        port: receiverPort,
        wallClock,
        env: environment(receiverPort),
        ...(options.logDir === undefined ? {} : { logPath: join(options.logDir, "receiver.log") }),
      });
    }
    const pollerPort = integration.poller === undefined ? undefined : await findFreePort();
    if (integration.poller !== undefined && pollerPort !== undefined) {
      poller = await ReceiverProcess.start({
        command: integration.poller.cmd,
        port: pollerPort,
        wallClock,
        env: environment(pollerPort),
        ...(options.logDir === undefined ? {} : { logPath: join(options.logDir, "poller.log") }),
        onExit: (exit) => {
          pollerExit = { code: exit.code, signal: exit.signal, atMs: sim.clock.now() };
        },
      });
    }
    const endpointId =
      receiverUrl === undefined
        ? undefined
        : await registerEndpoint(apiBase, apiKey, receiverUrl, secret);
    const start: RunStartInfo = {
      apiBase,
      receiverUrl,
      pollerCmd: integration.poller?.cmd,
      secret,
      workspaceId: sim.workspace.id,
      apiKey,
      seed,
      speed,
    };
    options.onStart?.(start);

    if (clock instanceof ScaledClock) {
      clock.resume();
    }
    const trafficEndMs = startMs + scenario.durationMs;
    sim.startTraffic({
      startMs,
      endMs: trafficEndMs,
      ratePerSecond: scenario.traffic.ratePerSecond,
      pattern: scenario.traffic.pattern,
      botShare: scenario.traffic.botShare,
      linkSkew: scenario.traffic.linkSkew,
    });
    const endpoint = endpointId === undefined ? undefined : sim.endpoints.get(endpointId);
    const probes: ProbeResult[] = [];
    const probeRandom = sim.random.fork("probes");
    if (endpoint !== undefined) {
      for (const offsetMs of scenario.probeOffsetsMs) {
        sim.scheduler.at(startMs + offsetMs, async () => {
          probes.push(...(await sendSignatureProbes(sim, endpoint, probeRandom)));
        });
      }
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
    await sim.scheduler.runUntil(Math.max(trafficEndMs, endpoint === undefined ? 0 : lastProbeMs));
    // Generous bound: slow receivers stretch simulated time on a scaled clock.
    await sim.scheduler.runUntilQuiet(trafficEndMs + settleMs * 3);
    if (poller !== undefined || hybrid) {
      // Pollers and reconciliation loops need time to read the last clicks that became visible.
      await sim.scheduler.runUntil(sim.clock.now() + POLLER_GRACE_MS);
    }
    // A hybrid that reconciles through the API gets the same chance as a poller; one that never
    // called the API has nothing to wait for.
    const reconciles =
      hybrid && sim.requestLog.all().some((entry) => entry.path.startsWith("/v1/analytics/"));
    if (poller !== undefined || reconciles) {
      await waitForFinalSweep(
        sim,
        wallClock,
        () => pollerExit !== undefined || receiver?.exit !== undefined,
        options.pollerFinalWaitMs,
      );
    }
    const endMs = sim.clock.now();
    if (progressTimer !== undefined) {
      wallClock.clearTimer(progressTimer);
      progressTimer = undefined;
    }

    const receiverExitedEarly = receiver?.exit;
    const receiverRead = await readOptionalObservation(integration.receiver?.observe, receiverPort);
    const pollerRead = await readOptionalObservation(integration.poller?.observe, pollerPort);

    const deliveries = sim.deliveryLog
      .all()
      .filter(
        (delivery) => delivery.endpointId === endpointId && delivery.eventType === CLICK_RECORDED,
      );
    // Requests that arrive while the harness reads the ledger and stops processes are outside the run.
    const requests = sim.requestLog.all().filter((entry) => entry.atMs <= endMs);
    let mode: IntegrationMode = "receiver";
    if (integration.receiver === undefined) {
      mode = "poller";
    } else if (hybrid) {
      mode = "hybrid";
    }
    const verdict = scoreIntegration({
      ...(integration.receiver === undefined
        ? {}
        : {
            receiver: {
              groundTruth: sim.groundTruth,
              deliveries,
              probes,
              outages,
              observation: receiverRead.observation,
              ...(receiverRead.error === undefined ? {} : { observationError: receiverRead.error }),
              expectations: scenario.expectations,
            },
          }),
      ...(integration.poller === undefined
        ? {}
        : {
            poller: {
              groundTruth: sim.groundTruth,
              requests,
              endMs,
              observation: pollerRead.observation,
              ...(pollerRead.error === undefined ? {} : { observationError: pollerRead.error }),
              ...(pollerExit === undefined ? {} : { exit: pollerExit }),
              expectations: scenario.expectations,
            },
          }),
      ...(mode === "hybrid"
        ? {
            hybrid: {
              groundTruth: sim.groundTruth,
              endMs,
              observation: receiverRead.observation,
              ...(receiverRead.error === undefined ? {} : { observationError: receiverRead.error }),
            },
          }
        : {}),
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
      observation: receiverRead.observation,
      observationError: receiverRead.error,
      pendingDeliveries: deliveries.filter((delivery) => delivery.status === "pending").length,
      taskErrors,
      receiverExitedEarly,
      mode,
      pollerObservation: pollerRead.observation,
      pollerObservationError: pollerRead.error,
      pollerExit,
      verdict,
    };
  } finally {
    if (progressTimer !== undefined) {
      wallClock.clearTimer(progressTimer);
    }
    await Promise.all([receiver?.stop(), poller?.stop()]);
    await server.close();
    await sim.close();
  }
}

/**
 * Waits until the poller has read to the end of a window (a 2xx page with a null
 * `next_cursor`) in a request that arrived after the last click became visible. A poller that
 * sleeps in wall-clock time is then not cut off before its next poll. Gives up after
 * `maxWaitMs` of wall time, or when the poller has exited.
 */
async function waitForFinalSweep(
  sim: Simulation,
  wallClock: Clock,
  exited: () => boolean,
  maxWaitMs = DEFAULT_POLLER_FINAL_WAIT_MS,
): Promise<void> {
  let lastVisibleMs = 0;
  for (const recorded of sim.groundTruth.all()) {
    if (!recorded.bot && recorded.visibleAtMs > lastVisibleMs) {
      lastVisibleMs = recorded.visibleAtMs;
    }
  }
  const swept = (): boolean =>
    sim.requestLog
      .all()
      .some(
        (entry) =>
          entry.atMs > lastVisibleMs &&
          entry.path.endsWith("/clicks/recent") &&
          entry.statusCode === 200 &&
          entry.nextCursor === null,
      );
  const deadline = wallClock.now() + maxWaitMs;
  while (!swept() && !exited() && wallClock.now() < deadline) {
    await new Promise<void>((resolve) => wallClock.setTimer(100, resolve));
  }
}

/** Reads an observation if a source was given; a source that fails is reported, not thrown. */
async function readOptionalObservation(
  source: string | undefined,
  port: number | undefined,
): Promise<{ observation: Observation | undefined; error: string | undefined }> {
  if (source === undefined) {
    return { observation: undefined, error: undefined };
  }
  try {
    return { observation: await readObservation(source, port), error: undefined };
  } catch (error) {
    if (!(error instanceof ObservationError)) {
      throw error;
    }
    return { observation: undefined, error: error.message };
  }
}

function withExpectationOverrides(
  scenario: Scenario,
  overrides: Partial<Scenario["expectations"]> | undefined,
): Scenario {
  if (overrides === undefined) {
    return scenario;
  }
  return { ...scenario, expectations: { ...scenario.expectations, ...overrides } };
}

/** The integration under test: command-line options first, then the scenario file. */
interface ResolvedIntegration {
  readonly receiver?: { readonly url?: URL; readonly cmd?: string; readonly observe?: string };
  readonly poller?: { readonly cmd: string; readonly observe?: string };
}

function resolveIntegration(options: RunOptions, scenario: Scenario): ResolvedIntegration {
  const fromFile = scenario.integration;
  // Any receiver option on the command line replaces the file's receiver as a whole, so a
  // file's command is never combined with another receiver's URL by accident.
  const cliReceiver = options.receiverUrl !== undefined || options.receiverCmd !== undefined;
  const receiverUrl = cliReceiver ? options.receiverUrl : fromFile.receiver?.url;
  const receiverCmd = cliReceiver ? options.receiverCmd : fromFile.receiver?.cmd;
  const receiverObserve = options.observe ?? (cliReceiver ? undefined : fromFile.receiver?.observe);
  const pollerCmd = options.pollerCmd ?? fromFile.poller?.cmd;
  const pollerObserve =
    options.pollerObserve ??
    (options.pollerCmd === undefined ? fromFile.poller?.observe : undefined);

  if (receiverUrl === undefined && receiverCmd === undefined && pollerCmd === undefined) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      "Missing receiver: pass --receiver-url URL for a running receiver, --receiver-cmd CMD to start one, " +
        "or --poller-cmd CMD to test a poller.",
    );
  }
  if (
    (options.hybrid ?? scenario.integration.hybrid) &&
    receiverUrl === undefined &&
    receiverCmd === undefined
  ) {
    throw new ElidoSimError(
      "ELIDO_SIM_ERR_USAGE",
      "Invalid --hybrid without a receiver: a hybrid integration takes webhooks, so pass --receiver-url or --receiver-cmd.",
    );
  }
  return {
    ...(receiverUrl === undefined && receiverCmd === undefined
      ? {}
      : {
          receiver: {
            ...(receiverUrl === undefined ? {} : { url: parseReceiverUrl(receiverUrl) }),
            ...(receiverCmd === undefined ? {} : { cmd: receiverCmd }),
            ...(receiverObserve === undefined ? {} : { observe: receiverObserve }),
          },
        }),
    ...(pollerCmd === undefined
      ? {}
      : {
          poller: {
            cmd: pollerCmd,
            ...(pollerObserve === undefined ? {} : { observe: pollerObserve }),
          },
        }),
  };
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
