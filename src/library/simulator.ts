import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { RequestLog } from "../api/request-log.js";
import { buildServer } from "../api/server.js";
import type { Scheduler } from "../clock/scheduler.js";
import { Simulation } from "../core/simulation.js";
import { ApiFaultPlan } from "../faults/api-fault-plan.js";
import { DeliveryFaultPlan } from "../faults/delivery-fault-plan.js";
import { type ProbeResult, sendSignatureProbes } from "../faults/signature-probes.js";
import type { GroundTruth } from "../model/ground-truth.js";
import type { Random } from "../model/random.js";
import type { Workspace } from "../model/workspace.js";
import type { Verdict } from "../scoring/score.js";
import type { Delivery, DeliveryLog } from "../webhooks/delivery-log.js";
import { CLICK_RECORDED } from "../webhooks/event.js";
import { retryWindowMs } from "../webhooks/retry-policy.js";
import { generateSecret } from "../webhooks/signature.js";
import { CountingVirtualClock } from "./counting-virtual-clock.js";
import { type ReceiverHandler, startHandlerServer } from "./handler-receiver.js";
import { SimulatorUsageError } from "./simulator-errors.js";
import {
  type Duration,
  durationToMs,
  type ResolvedSimulatorOptions,
  resolveSimulatorOptions,
  resolveTrafficOptions,
  type SimulatorOptions,
  type TimeInput,
  type TrafficOptions,
  timeToMs,
} from "./simulator-options.js";
import { type ScoreOptions, scoreSimulator } from "./simulator-score.js";
import { createTrackedFetch, type FetchFunction } from "./tracked-fetch.js";

/** A receiver registered as a webhook endpoint of the simulated workspace. */
export interface ReceiverRegistration {
  readonly endpointId: string;
  readonly url: string;
  readonly secret: string;
  /** Errors a handler receiver threw, each sent back as a 500. Always empty for a URL. */
  readonly handlerErrors: readonly unknown[];
}

export interface AddReceiverOptions {
  /** Signing secret of this endpoint. Default: the simulator's `webhookSecret`. */
  readonly secret?: string;
  /** Event types the endpoint subscribes to. Default: `["click.recorded"]`. */
  readonly events?: readonly string[];
}

/** Counters of a simulator so far, for progress output and benchmarks. */
export interface SimulatorStats {
  /** Scheduled events fired: clicks, ingestions, attempts, retries, probes, fault edges, sleeps. */
  readonly eventsFired: number;
  /** Clicks in the ground truth, bots included. */
  readonly clicks: number;
  readonly deliveries: number;
  readonly attempts: number;
  /** Requests the fake API served. */
  readonly apiRequests: number;
}

/**
 * Simulated time a poller gets after the last retry, to read the last clicks: the reference
 * poller polls every 30 simulated seconds, so three minutes leave room for its retries.
 */
const POLLER_GRACE_MS = 3 * 60_000;

/**
 * The fake Elido API, the webhook dispatcher, traffic and faults in the caller's process, on a
 * virtual clock that moves only in `advance`. Create one with `createSimulator`.
 */
export class Simulator {
  /** The simulation core, for what this class does not wrap. */
  readonly simulation: Simulation;
  /** The options after validation, with defaults applied. */
  readonly options: ResolvedSimulatorOptions;
  /** Simulated epoch milliseconds of the start. */
  readonly startMs: number;
  /** Simulated epoch milliseconds after which the initial traffic stops. */
  readonly trafficEndMs: number;
  /**
   * Simulated epoch milliseconds by which every delivery of the initial traffic has had its
   * last retry and a poller has had time to read the last click. It is the traffic's end plus
   * the retry window, four ingestion-lag p99s, one minute, and three minutes for pollers.
   */
  readonly endMs: number;
  /** Base URL of the fake API, e.g. `http://127.0.0.1:4010/v1`; `undefined` with `listen: false`. */
  readonly apiBase: string | undefined;
  /** Bearer key of the workspace. */
  readonly apiKey: string;
  /** Default signing secret of receivers. */
  readonly webhookSecret: string;
  readonly deliveryFaults: DeliveryFaultPlan;
  readonly apiFaults: ApiFaultPlan;
  /**
   * A `fetch` whose requests the scheduler tracks until their body is read, so simulated time
   * does not move while they are in flight. The response is rebuilt from the buffered body.
   */
  readonly fetch: FetchFunction;
  readonly #clock: CountingVirtualClock;
  readonly #server: FastifyInstance | undefined;
  readonly #receivers: ReceiverRegistration[] = [];
  readonly #probes = new Map<string, ProbeResult[]>();
  readonly #probeRandom: Random;
  readonly #closers: Array<() => Promise<void>> = [];
  #advancing = false;
  #closed = false;

  /** Use `createSimulator`, which builds the parts and starts the API server. */
  constructor(
    options: ResolvedSimulatorOptions,
    parts: {
      clock: CountingVirtualClock;
      simulation: Simulation;
      deliveryFaults: DeliveryFaultPlan;
      apiFaults: ApiFaultPlan;
      server: FastifyInstance | undefined;
      apiBase: string | undefined;
    },
  ) {
    this.options = options;
    this.#clock = parts.clock;
    this.simulation = parts.simulation;
    this.deliveryFaults = parts.deliveryFaults;
    this.apiFaults = parts.apiFaults;
    this.#server = parts.server;
    this.apiBase = parts.apiBase;
    this.startMs = options.startMs;
    this.trafficEndMs = options.startMs + (options.traffic?.durationMs ?? 0);
    this.endMs =
      this.trafficEndMs +
      retryWindowMs(this.simulation.retryPolicy) +
      options.ingestionLagP99Ms * 4 +
      60_000 +
      POLLER_GRACE_MS;
    this.apiKey = this.simulation.workspace.apiKeys[0] as string;
    this.webhookSecret = options.secret ?? generateSecret(this.simulation.random.fork("secret"));
    this.#probeRandom = this.simulation.random.fork("probes");
    this.fetch = createTrackedFetch(this.simulation.scheduler);
    if (options.traffic !== undefined) {
      this.simulation.startTraffic({
        startMs: this.startMs,
        endMs: this.trafficEndMs,
        ratePerSecond: options.traffic.ratePerSecond,
        botShare: options.traffic.botShare,
        linkSkew: options.traffic.linkSkew,
        ...(options.traffic.pattern === undefined ? {} : { pattern: options.traffic.pattern }),
      });
    }
    for (const offsetMs of options.probeOffsetsMs) {
      this.scheduler.at(this.startMs + offsetMs, () => this.#scheduleProbes(this.now()));
    }
  }

  get scheduler(): Scheduler {
    return this.simulation.scheduler;
  }

  get workspace(): Workspace {
    return this.simulation.workspace;
  }

  /** Every click that happened, bots included, in order of occurrence. */
  get groundTruth(): GroundTruth {
    return this.simulation.groundTruth;
  }

  /** Every delivery to every endpoint, with every attempt. */
  get deliveryLog(): DeliveryLog {
    return this.simulation.deliveryLog;
  }

  /** Every request to the fake API, in arrival order. */
  get requestLog(): RequestLog {
    return this.simulation.requestLog;
  }

  /** The receivers added so far, in order. */
  get receivers(): readonly ReceiverRegistration[] {
    return this.#receivers;
  }

  /** Returns the current simulated time in epoch milliseconds. */
  now(): number {
    return this.#clock.now();
  }

  /**
   * Registers a receiver as a webhook endpoint. A function is served on 127.0.0.1 at a free
   * port; a URL is used as given. Deliveries start with the next click that becomes visible.
   */
  async addReceiver(
    receiver: ReceiverHandler | string | URL,
    options: AddReceiverOptions = {},
  ): Promise<ReceiverRegistration> {
    this.#assertOpen("addReceiver");
    let url: string;
    let handlerErrors: readonly unknown[] = [];
    if (typeof receiver === "function") {
      const server = await startHandlerServer(receiver);
      this.#closers.push(() => server.close());
      url = server.url;
      handlerErrors = server.errors;
    } else {
      url = parseReceiverUrl(receiver);
    }
    const secret = options.secret ?? this.webhookSecret;
    const endpoint = this.simulation.endpoints.register(
      url,
      options.events ?? [CLICK_RECORDED],
      this.now(),
      secret,
    );
    const registration: ReceiverRegistration = Object.freeze({
      endpointId: endpoint.id,
      url,
      secret,
      handlerErrors,
    });
    this.#receivers.push(registration);
    return registration;
  }

  /**
   * Runs every event due within the next `duration` of simulated time, in order, waiting for
   * the work each one starts (HTTP attempts, tracked fetches) before moving time on. Throws
   * `SchedulerLoopLimitError` after `maxEventsPerAdvance` events, and whatever a scheduled
   * task threw.
   */
  async advance(duration: Duration): Promise<void> {
    const ms = durationToMs(duration);
    if (ms === undefined) {
      throw new SimulatorUsageError(
        `Invalid duration ${JSON.stringify(duration)} for advance(): expected milliseconds >= 0 or a duration such as "30s", "21m" or "1h30m".`,
      );
    }
    await this.#runUntil(this.now() + ms, "advance");
  }

  /** Runs every event due up to simulated time `time`; a time in the past runs due work only. */
  async advanceTo(time: TimeInput): Promise<void> {
    const targetMs = timeToMs(time);
    if (targetMs === undefined) {
      throw new SimulatorUsageError(
        `Invalid time ${JSON.stringify(time)} for advanceTo(): expected epoch milliseconds, a Date or an RFC 3339 time.`,
      );
    }
    await this.#runUntil(Math.max(targetMs, this.now()), "advanceTo");
  }

  /** Advances to `endMs`, after the last retry of the initial traffic and a poller's grace. */
  async runToEnd(): Promise<void> {
    await this.#runUntil(Math.max(this.endMs, this.now()), "runToEnd");
  }

  /**
   * Resolves when simulated time reaches `duration` from now, as a scheduled task: code that
   * awaits it runs at that simulated time, and `advance` waits for the tracked work it starts.
   */
  sleep(duration: Duration): Promise<void> {
    const ms = durationToMs(duration);
    if (ms === undefined) {
      return Promise.reject(
        new SimulatorUsageError(
          `Invalid duration ${JSON.stringify(duration)} for sleep(): expected milliseconds >= 0 or a duration such as "30s".`,
        ),
      );
    }
    return new Promise((resolve) => {
      this.scheduler.after(ms, () => {
        resolve();
        // A returned promise is tracked, and the scheduler lets one macrotask turn pass after
        // it settles, so the sleeper's continuation starts its next request or sleep before
        // time moves on.
        return Promise.resolve();
      });
    });
  }

  /** Plays more traffic from now on, as `traffic` of the options does from the start. */
  addTraffic(traffic: Omit<TrafficOptions, "trickyShare">): void {
    this.#assertOpen("addTraffic");
    const resolved = resolveTrafficOptions(traffic);
    const startMs = this.now();
    this.simulation.startTraffic({
      startMs,
      endMs: startMs + resolved.durationMs,
      ratePerSecond: resolved.ratePerSecond,
      botShare: resolved.botShare,
      linkSkew: resolved.linkSkew,
      ...(resolved.pattern === undefined ? {} : { pattern: resolved.pattern }),
    });
  }

  /** Sends forged deliveries to every receiver now. `score` judges the responses. */
  sendSignatureProbes(): void {
    this.#assertOpen("sendSignatureProbes");
    this.#scheduleProbes(this.now());
  }

  /** Returns the `click.recorded` deliveries to one endpoint, or to every endpoint. */
  deliveries(endpointId?: string): Delivery[] {
    return this.deliveryLog
      .all()
      .filter(
        (delivery) =>
          delivery.eventType === CLICK_RECORDED &&
          (endpointId === undefined || delivery.endpointId === endpointId),
      );
  }

  /** Returns the probe results of one endpoint so far. */
  probeResults(endpointId: string): readonly ProbeResult[] {
    return this.#probes.get(endpointId) ?? [];
  }

  /**
   * Scores the integration at the current simulated time with the checks `elido-sim run` runs.
   * Without `receiver`, `poller` or `hybrid`, it scores the receiver when one is registered,
   * else the poller.
   */
  async score(options: ScoreOptions = {}): Promise<Verdict> {
    this.#assertOpen("score");
    return scoreSimulator(this, options);
  }

  stats(): SimulatorStats {
    let attempts = 0;
    const deliveries = this.deliveryLog.all();
    for (const delivery of deliveries) {
      attempts += delivery.attempts.length;
    }
    return {
      eventsFired: this.#clock.firedCount,
      clicks: this.groundTruth.size,
      deliveries: deliveries.length,
      attempts,
      apiRequests: this.requestLog.size,
    };
  }

  /** Stops the API server and the handler receivers and closes connections. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.simulation.close();
    await Promise.all(this.#closers.map((close) => close()));
    await this.#server?.close();
  }

  #scheduleProbes(atMs: number): void {
    for (const registration of this.#receivers) {
      const endpoint = this.simulation.endpoints.get(registration.endpointId);
      if (endpoint === undefined) {
        continue;
      }
      this.scheduler.at(atMs, async () => {
        const results = await sendSignatureProbes(this.simulation, endpoint, this.#probeRandom);
        const list = this.#probes.get(endpoint.id) ?? [];
        list.push(...results);
        this.#probes.set(endpoint.id, list);
      });
    }
  }

  async #runUntil(targetMs: number, method: string): Promise<void> {
    this.#assertOpen(method);
    if (this.#advancing) {
      throw new SimulatorUsageError(
        `${method}() called while another advance is running: await the previous advance(), advanceTo() or runToEnd() first.`,
      );
    }
    assertRealSetImmediate(method);
    this.#advancing = true;
    try {
      await this.scheduler.runUntil(targetMs);
    } finally {
      this.#advancing = false;
    }
  }

  #assertOpen(method: string): void {
    if (this.#closed) {
      throw new SimulatorUsageError(
        `${method}() called after close(): create a new simulator for another run.`,
      );
    }
  }
}

/**
 * Creates a simulator: validates `options`, builds the simulation on a virtual clock at
 * `options.start`, starts the fake API on loopback unless `listen` is false, and schedules the
 * traffic, faults and probes of the options. Nothing runs until `advance`.
 * Throws `SimulatorOptionsError` listing every invalid option.
 */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveSimulatorOptions(options);
  const clock = new CountingVirtualClock(resolved.startMs);
  const simulation = new Simulation({
    clock,
    seed: resolved.seed,
    workspaceId: resolved.workspaceId,
    plan: resolved.plan,
    linkCount: resolved.links,
    ingestionLagP99Ms: resolved.ingestionLagP99Ms,
    ...(resolved.traffic === undefined ? {} : { trickyShare: resolved.traffic.trickyShare }),
    retryPolicy: resolved.retryPolicy,
    attemptTimeoutMs: resolved.attemptTimeoutMs,
    maxConcurrentPerEndpoint: resolved.maxConcurrentPerEndpoint,
    ...(resolved.pauseAfterConsecutiveFailures === undefined
      ? {}
      : { pauseAfterConsecutiveFailures: resolved.pauseAfterConsecutiveFailures }),
    maxEventsPerRun: resolved.maxEventsPerAdvance,
  });
  const deliveryFaults = new DeliveryFaultPlan(simulation.random.fork("delivery-faults"), {
    outages: resolved.outages,
    duplicateShare: resolved.lostResponseShare,
    duplicates: resolved.duplicates,
  });
  simulation.dispatcher.setFaults(deliveryFaults);
  const apiFaults = new ApiFaultPlan({
    scheduler: simulation.scheduler,
    random: simulation.random.fork("api-faults"),
    ingestion: simulation,
    timeline: simulation.dispatcher.timeline,
  });
  for (const fault of resolved.apiFaults) {
    apiFaults.add(fault);
  }

  let server: FastifyInstance | undefined;
  let apiBase: string | undefined;
  if (resolved.listen !== undefined) {
    server = buildServer(simulation, { logLevel: resolved.logLevel, apiFaults });
    try {
      await server.listen({ host: resolved.listen.host, port: resolved.listen.port });
    } catch (error) {
      await simulation.close();
      throw error;
    }
    const address = server.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    apiBase = `http://${host}:${address.port}/v1`;
  }

  return new Simulator(resolved, {
    clock,
    simulation,
    deliveryFaults,
    apiFaults,
    server,
    apiBase,
  });
}

/**
 * Throws when `setImmediate` is faked. `Scheduler.idle` waits one `setImmediate` turn after
 * in-flight work settles, so under a faked one `advance` would wait forever. @sinonjs/fake-timers
 * (which vitest's `vi.useFakeTimers` uses) marks each function it installs with a `clock`
 * property; this only reads that mark and never calls the function.
 */
function assertRealSetImmediate(method: string): void {
  if ("clock" in globalThis.setImmediate) {
    throw new SimulatorUsageError(
      `${method}() cannot run while setImmediate is faked: the simulator waits for in-flight HTTP with it and would hang. ` +
        'Fake only the timers of your own code, e.g. vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] }).',
    );
  }
}

function parseReceiverUrl(receiver: string | URL): string {
  let url: URL;
  try {
    url = new URL(receiver);
  } catch {
    throw new SimulatorUsageError(
      `Invalid receiver URL ${JSON.stringify(String(receiver))}: expected an absolute http(s) URL such as "http://127.0.0.1:3000/webhook", or a handler function.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SimulatorUsageError(
      `Invalid receiver URL ${JSON.stringify(url.href)}: expected the http or https scheme, got ${url.protocol}`,
    );
  }
  return url.href;
}
