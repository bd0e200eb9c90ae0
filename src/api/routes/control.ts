import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parseDurationMs } from "../../clock/duration.js";
import { VirtualClock } from "../../clock/virtual-clock.js";
import type { Simulation } from "../../core/simulation.js";
import type { ApiFaultPlan } from "../../faults/api-fault-plan.js";
import { InvalidApiFaultError } from "../../faults/api-fault-plan.js";
import { formatTimestampMs } from "../../model/click.js";
import { ClickFactory } from "../../traffic/click-factory.js";
import { CLICK_RECORDED } from "../../webhooks/event.js";
import { ApiError } from "../api-error.js";
import { type ControlledReceiverOutages, FaultBody, parseFaultBody } from "./control-faults.js";
import { registerControlLogRoutes } from "./control-logs.js";
import { parseQueryTimestampMs } from "./control-time.js";

/** Prefix of every control route. */
export const CONTROL_PREFIX = "/_sim/";

/** Largest single clock advance, so that a typo cannot start a drain loop of years. */
const MAX_ADVANCE_MS = 30 * 86_400_000;

export interface ControlOptions {
  /** Accept control requests from any address, not only loopback. Default: false. */
  readonly allowRemote?: boolean;
  /**
   * Receiver of `receiver_outage` faults. It must be the dispatcher's installed fault plan;
   * without it, such faults are rejected with 400.
   */
  readonly receiverOutages?: ControlledReceiverOutages;
}

const AdvanceBody = Type.Object(
  {
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  },
  { additionalProperties: false },
);
type AdvanceBody = Static<typeof AdvanceBody>;

const TrafficBody = Type.Object(
  {
    clicks: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    link_id: Type.Optional(Type.Integer()),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 })),
    for: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    bot_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
type TrafficBody = Static<typeof TrafficBody>;

const ControlWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
  },
  { additionalProperties: false },
);
type ControlWebhookBody = Static<typeof ControlWebhookBody>;

/**
 * Registers the control API under `/_sim/`: no Elido authentication, loopback clients only unless
 * `allowRemote` is set. It drives a running simulator: traffic, faults, the virtual clock,
 * webhook endpoints, and reads of the ground truth and the logs.
 */
export function registerControlRoutes(
  app: FastifyInstance,
  sim: Simulation,
  apiFaults: ApiFaultPlan,
  options: ControlOptions = {},
): void {
  const clicks = new ClickFactory(sim.workspace, sim.random.fork("control-traffic"));
  let faultCounter = 0;
  // Advances run one after another: two overlapping drain loops on one virtual clock would
  // interleave their steps.
  let advancing: Promise<unknown> = Promise.resolve();

  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith(CONTROL_PREFIX) || options.allowRemote === true) {
      return;
    }
    const address = request.socket.remoteAddress ?? "";
    if (!isLoopback(address)) {
      throw new ApiError(
        "forbidden",
        `The control API accepts loopback clients only, not ${address}. Start the simulator with remote control allowed to change this.`,
      );
    }
  });

  app.get("/_sim/clock", async () => clockView(sim));

  app.post<{ Body: AdvanceBody }>(
    "/_sim/clock/advance",
    { schema: { body: AdvanceBody } },
    async (request) => {
      const clock = sim.clock;
      if (!(clock instanceof VirtualClock)) {
        throw new ApiError(
          "validation_failed",
          `Cannot advance a ${clock.mode} clock: only a virtual clock (speed "max") moves on request.`,
        );
      }
      const targetMs = advanceTarget(request.body, clock.now());
      const fromMs = clock.now();
      const step = advancing.then(() => sim.scheduler.runUntil(Math.max(targetMs, clock.now())));
      advancing = step.catch(() => undefined);
      await step;
      return { ...clockView(sim), advanced_ms: clock.now() - fromMs };
    },
  );

  app.post<{ Body: TrafficBody }>(
    "/_sim/traffic",
    { schema: { body: TrafficBody } },
    async (request, reply) => {
      const body = request.body;
      const links =
        body.link_id === undefined
          ? sim.workspace.links
          : sim.workspace.links.filter((link) => link.link_id === body.link_id);
      if (links.length === 0) {
        throw new ApiError(
          "validation_failed",
          `Invalid link_id ${body.link_id}: expected one of ${sim.workspace.links.map((link) => link.link_id).join(", ")}.`,
        );
      }
      if (body.clicks !== undefined) {
        if (body.rate !== undefined || body.for !== undefined || body.bot_share !== undefined) {
          throw new ApiError(
            "validation_failed",
            "Invalid traffic request: send either clicks (clicks now) or rate and for (a window), not both.",
          );
        }
        const occurredAtUs = Math.floor(sim.clock.now() * 1_000);
        const clickIds: string[] = [];
        for (let index = 0; index < body.clicks; index++) {
          const link = links[index % links.length] as (typeof links)[number];
          const click = clicks.create(link, occurredAtUs);
          sim.recordHumanClick(click, occurredAtUs);
          clickIds.push(click.click_id);
        }
        reply.code(201);
        return { clicks: clickIds.length, click_ids: clickIds };
      }
      if (body.rate === undefined || body.for === undefined) {
        throw new ApiError(
          "validation_failed",
          'Invalid traffic request: expected clicks (e.g. {"clicks": 10}) or rate and for (e.g. {"rate": 2, "for": "10m"}).',
        );
      }
      if (body.link_id !== undefined) {
        throw new ApiError(
          "validation_failed",
          "Invalid traffic request: link_id applies to clicks only; a rate window spreads over every link.",
        );
      }
      const forMs = parseDurationMs(body.for);
      if (forMs === undefined || forMs <= 0) {
        throw new ApiError(
          "validation_failed",
          `Invalid for: expected a duration > 0 such as "30s" or "10m", got "${body.for}".`,
        );
      }
      const startMs = Math.floor(sim.clock.now());
      const endMs = startMs + forMs;
      sim.startTraffic({
        startMs,
        endMs,
        ratePerSecond: body.rate,
        ...(body.bot_share === undefined ? {} : { botShare: body.bot_share }),
      });
      reply.code(201);
      return { start: formatTimestampMs(startMs), end: formatTimestampMs(endMs), rate: body.rate };
    },
  );

  app.get("/_sim/faults", async () => ({
    api: apiFaults.all().map((fault) => ({
      ...fault,
      start: formatTimestampMs(fault.startMs),
      end: formatTimestampMs(fault.endMs),
    })),
    receiver_outages: (options.receiverOutages?.outages ?? []).map((window) => ({
      ...window,
      start: formatTimestampMs(window.startMs),
      end: formatTimestampMs(window.endMs),
    })),
    timeline: apiFaults
      .timeline()
      .map((entry) => ({ ...entry, at: formatTimestampMs(entry.atMs) })),
  }));

  app.post<{ Body: FaultBody }>(
    "/_sim/faults",
    { schema: { body: FaultBody } },
    async (request, reply) => {
      faultCounter++;
      const parsed = parseFaultBody(
        request.body,
        sim.clock.now(),
        `${request.body.type}-${faultCounter}`,
      );
      if (parsed.target === "receiver") {
        if (options.receiverOutages === undefined) {
          throw new ApiError(
            "validation_failed",
            "Receiver outages cannot be added to this simulator: its dispatcher has no controlled fault plan.",
          );
        }
        options.receiverOutages.add(parsed.window);
        reply.code(201);
        return { type: "receiver_outage", name: parsed.window.name, ...windowView(parsed.window) };
      }
      if (
        parsed.fault.kind === "outage" &&
        parsed.fault.response === "refuse" &&
        sim.clock instanceof VirtualClock
      ) {
        throw new ApiError(
          "validation_failed",
          'Invalid outage response "refuse" on a virtual clock: the closed listener would also refuse the clock/advance request that ends the window. Use "reset" or "unavailable".',
        );
      }
      try {
        apiFaults.add(parsed.fault);
      } catch (error) {
        if (error instanceof InvalidApiFaultError) {
          throw new ApiError("validation_failed", error.message);
        }
        throw error;
      }
      reply.code(201);
      return { type: request.body.type, ...parsed.fault, ...windowView(parsed.fault) };
    },
  );

  app.post<{ Body: ControlWebhookBody }>(
    "/_sim/webhooks",
    { schema: { body: ControlWebhookBody } },
    async (request, reply) => {
      const { url, secret } = request.body;
      if (!/^https?:\/\/[^/\s]+/i.test(url) || !URL.canParse(url)) {
        throw new ApiError(
          "validation_failed",
          `Invalid url: expected an absolute http(s) URL, got "${url}".`,
        );
      }
      const endpoint = sim.endpoints.register(url, [CLICK_RECORDED], sim.clock.now(), secret);
      reply.code(201);
      return {
        id: endpoint.id,
        url: endpoint.url,
        events: endpoint.events,
        secret: endpoint.secret,
      };
    },
  );

  registerControlLogRoutes(app, sim);
}

function clockView(sim: Simulation) {
  return {
    now: formatTimestampMs(sim.clock.now()),
    now_ms: Math.floor(sim.clock.now()),
    mode: sim.clock.mode,
    // JSON has no Infinity: a virtual clock reports `null`.
    speed: Number.isFinite(sim.clock.speed) ? sim.clock.speed : null,
  };
}

function windowView(window: { startMs: number; endMs: number }) {
  return { start: formatTimestampMs(window.startMs), end: formatTimestampMs(window.endMs) };
}

function advanceTarget(body: AdvanceBody, nowMs: number): number {
  if ((body.by === undefined) === (body.to === undefined)) {
    throw new ApiError(
      "validation_failed",
      'Invalid clock advance: send exactly one of by (a duration, e.g. {"by": "21m"}) or to (an RFC 3339 time).',
    );
  }
  let targetMs: number;
  if (body.by !== undefined) {
    const byMs = parseDurationMs(body.by);
    if (byMs === undefined) {
      throw new ApiError(
        "validation_failed",
        `Invalid by: expected a duration such as "500ms", "30s", "21m" or "1h30m", got "${body.by}".`,
      );
    }
    targetMs = nowMs + byMs;
  } else {
    const toMs = parseQueryTimestampMs(body.to as string);
    if (toMs === undefined || toMs < nowMs) {
      throw new ApiError(
        "validation_failed",
        `Invalid to: expected an RFC 3339 time not before the clock's ${formatTimestampMs(nowMs)}, got "${body.to}".`,
      );
    }
    targetMs = toMs;
  }
  if (targetMs - nowMs > MAX_ADVANCE_MS) {
    throw new ApiError(
      "validation_failed",
      `Invalid clock advance of ${targetMs - nowMs} ms: expected at most 30 days per request.`,
    );
  }
  return targetMs;
}

function isLoopback(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\./.test(address);
}
