import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { isNode, LineCounter, parseDocument } from "yaml";
import { parseDurationMs } from "../clock/duration.js";
import { ElidoSimError } from "../errors.js";
import type { ApiFault } from "../faults/api-fault-plan.js";
import type { TrafficPattern } from "../traffic/traffic-pattern.js";
import {
  DEFAULT_DELIVERY_PROFILE,
  type DeliveryProfileOverrides,
  resolveDeliveryProfile,
} from "../webhooks/profiles.js";
import type { Scenario, ScenarioDeliveryFaults, ScenarioOutage } from "./scenario.js";
import { FAULT_SCHEMAS, type ScenarioFile, ScenarioSchema } from "./scenario-schema.js";

const SCENARIO_EXTENSIONS = [".yaml", ".yml", ".json"];

/** Returns the folder of the scenarios shipped with the package. */
export function shippedScenariosDir(): string {
  // Works from src/scenario (tests) and from dist/src/scenario (the built CLI).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, "scenarios");
    if (existsSync(join(dir, "package.json")) && existsSync(candidate)) {
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error("Cannot find the shipped scenarios folder next to package.json.");
}

/** Returns the names of the shipped scenarios, sorted. */
export async function listShippedScenarios(): Promise<string[]> {
  const files = await readdir(shippedScenariosDir());
  return files
    .filter((file) => SCENARIO_EXTENSIONS.includes(extname(file)) && !file.endsWith("schema.json"))
    .map((file) => file.slice(0, -extname(file).length))
    .sort();
}

/** Finds a scenario by path, or by the name of a shipped scenario. */
export function resolveScenarioPath(nameOrPath: string): string {
  const asPath = resolve(nameOrPath);
  if (existsSync(asPath) && statSync(asPath).isFile()) {
    return asPath;
  }
  const dir = shippedScenariosDir();
  for (const extension of SCENARIO_EXTENSIONS) {
    const candidate = join(dir, `${nameOrPath}${extension}`);
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new ElidoSimError(
    "ELIDO_SIM_ERR_SCENARIO_NOT_FOUND",
    `Scenario "${nameOrPath}" not found: it is neither a file nor a shipped scenario. ` +
      "Run `elido-sim scenarios` to list the shipped ones.",
  );
}

/** Loads, validates and normalizes a scenario from a name or path. */
export function loadScenario(nameOrPath: string): Scenario {
  const path = resolveScenarioPath(nameOrPath);
  return parseScenario(readFileSync(path, "utf8"), path);
}

/**
 * Parses scenario text (YAML, or JSON, which is YAML too). Every problem is reported at once,
 * each with its line, field, what was expected and what was received.
 */
export function parseScenario(text: string, source: string): Scenario {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const line = lineCounter.linePos(error.pos[0]).line;
      return `line ${line}: ${error.message.split("\n")[0]}`;
    });
    throw invalid(source, problems);
  }
  const data: unknown = document.toJS();
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw invalid(source, ["expected a mapping of scenario fields at the top level"]);
  }

  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    for (let length = path.length; length >= 0; length--) {
      const node = document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        return lineCounter.linePos(node.range[0]).line;
      }
    }
    return undefined;
  };

  const problems: string[] = [];
  const reportedPaths = new Set<string>();
  for (const error of scenarioErrors(data)) {
    // TypeBox can report one field several times (required, then wrong type); the first is the most specific.
    if (reportedPaths.has(error.path)) {
      continue;
    }
    reportedPaths.add(error.path);
    const path = error.path
      .split("/")
      .filter((part) => part !== "")
      .map((part) =>
        /^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, "/").replace(/~0/g, "~"),
      );
    const line = lineOf(path);
    const where = `${line === undefined ? "" : `line ${line}, `}field ${path.length === 0 ? "(top level)" : formatFieldPath(path)}`;
    problems.push(`${where}: ${describeSchemaError(error)}`);
  }
  if (problems.length > 0) {
    throw invalid(source, [...new Set(problems)]);
  }
  return normalize(data as ScenarioFile, source, lineOf);
}

/**
 * Validation errors of a scenario. A fault that matches none of the fault types is reported
 * against the type its `type` field names, so a bad field inside a known fault type gets its
 * own message rather than "matches no fault type".
 */
function* scenarioErrors(data: unknown): Generator<ValueError> {
  for (const error of Value.Errors(ScenarioSchema, data)) {
    const faultType =
      /^\/faults\/\d+$/.test(error.path) && typeof error.value === "object" && error.value !== null
        ? (error.value as { type?: unknown }).type
        : undefined;
    if (typeof faultType === "string" && Object.hasOwn(FAULT_SCHEMAS, faultType)) {
      const schema = FAULT_SCHEMAS[faultType as keyof typeof FAULT_SCHEMAS];
      for (const inner of Value.Errors(schema, error.value)) {
        yield { ...inner, path: `${error.path}${inner.path}` };
      }
      continue;
    }
    yield error;
  }
}

/** Says what was expected and what was received, for one TypeBox validation error. */
function describeSchemaError(error: ValueError): string {
  const schema = error.schema as { expected?: string; properties?: Record<string, unknown> };
  if (/^Unexpected property/i.test(error.message)) {
    const accepted = Object.keys(schema.properties ?? {}).filter((name) => name !== "$schema");
    return `unknown field, got ${JSON.stringify(error.value)}; expected one of ${accepted.join(", ")}`;
  }
  const expected = schema.expected ?? error.message.replace(/^Expected /, "").toLowerCase();
  const received =
    error.value === undefined ? "nothing (the field is missing)" : JSON.stringify(error.value);
  return `expected ${expected}, got ${received}`;
}

function formatFieldPath(path: readonly (string | number)[]): string {
  return path
    .map((part, index) =>
      typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`,
    )
    .join("");
}

function invalid(source: string, problems: readonly string[]): ElidoSimError {
  const lines = problems.map((problem) => `  - ${problem}`).join("\n");
  return new ElidoSimError(
    "ELIDO_SIM_ERR_SCENARIO_INVALID",
    `Invalid scenario file ${source}:\n${lines}\nSee scenarios/schema.json for every field.`,
  );
}

function normalize(
  file: ScenarioFile,
  source: string,
  lineOf: (path: readonly (string | number)[]) => number | undefined,
): Scenario {
  // The schema has checked the pattern, so every duration parses.
  const ms = (value: string): number => parseDurationMs(value) as number;
  const problems: string[] = [];
  const durationMs = ms(file.duration);
  if (durationMs <= 0) {
    problems.push(
      `line ${lineOf(["duration"])}, field duration: expected a duration > 0, got "${file.duration}"`,
    );
  }
  let startMs: number | undefined;
  if (file.start !== undefined) {
    startMs = Date.parse(file.start);
    if (Number.isNaN(startMs)) {
      problems.push(
        `line ${lineOf(["start"])}, field start: expected an RFC 3339 time, got "${file.start}"`,
      );
    }
  }
  const outages: ScenarioOutage[] = [];
  const apiFaults: ApiFault[] = [];
  const deliveryFaults = {
    duplicates: [] as Array<ScenarioDeliveryFaults["duplicates"][number]>,
    reorders: [] as Array<ScenarioDeliveryFaults["reorders"][number]>,
    slowSuccesses: [] as Array<ScenarioDeliveryFaults["slowSuccesses"][number]>,
    backlogs: [] as Array<ScenarioDeliveryFaults["backlogs"][number]>,
    redeliveries: [] as Array<ScenarioDeliveryFaults["redeliveries"][number]>,
  };
  for (const [index, fault] of (file.faults ?? []).entries()) {
    const name =
      fault.name ?? `${fault.type === "receiver_outage" ? "outage" : fault.type}-${index + 1}`;
    const offsetMs = ms(fault.at);
    if (fault.type === "manual_redelivery") {
      deliveryFaults.redeliveries.push({ name, offsetMs, share: fault.share ?? 0.1 });
      continue;
    }
    const durationOfWindow = ms(fault.for);
    if (durationOfWindow <= 0) {
      problems.push(
        `line ${lineOf(["faults", index, "for"])}, field faults[${index}].for: expected a duration > 0, got "${fault.for}"`,
      );
    }
    const window = { name, offsetMs, durationMs: durationOfWindow };
    switch (fault.type) {
      case "receiver_outage":
        outages.push(window);
        break;
      case "duplicate_delivery":
        deliveryFaults.duplicates.push({
          ...window,
          share: fault.share ?? 1,
          concurrent: fault.concurrent ?? false,
          delayMs: fault.delay === undefined ? 10_000 : ms(fault.delay),
        });
        break;
      case "reorder":
        deliveryFaults.reorders.push({
          ...window,
          share: fault.share ?? 1,
          maxDelayMs: fault.max_delay === undefined ? 30_000 : ms(fault.max_delay),
        });
        break;
      case "slow_success":
        deliveryFaults.slowSuccesses.push({ ...window, share: fault.share ?? 1 });
        break;
      case "dispatcher_backlog":
        deliveryFaults.backlogs.push(window);
        break;
      default: {
        const apiWindow = {
          name,
          startMs: offsetMs,
          endMs: offsetMs + durationOfWindow,
          ...("paths" in fault && fault.paths !== undefined ? { paths: fault.paths } : {}),
        };
        switch (fault.type) {
          case "api_rate_limit":
            apiFaults.push({
              kind: "rate_limit",
              ...apiWindow,
              ...(fault.probability === undefined ? {} : { probability: fault.probability }),
              ...(fault.retry_after === undefined ? {} : { retryAfterSeconds: fault.retry_after }),
            });
            break;
          case "api_server_error":
            apiFaults.push({
              kind: "server_error",
              ...apiWindow,
              status: fault.status ?? 500,
              ...(fault.probability === undefined ? {} : { probability: fault.probability }),
            });
            break;
          case "api_outage":
            apiFaults.push({ kind: "outage", ...apiWindow, response: fault.response ?? "refuse" });
            break;
          case "api_latency":
            apiFaults.push({ kind: "latency", ...apiWindow, latencyMs: ms(fault.latency) });
            break;
          case "ingestion_lag":
            apiFaults.push({ kind: "ingestion_lag", ...apiWindow, p99Ms: ms(fault.lag_p99) });
            break;
        }
      }
    }
  }
  if (problems.length > 0) {
    throw invalid(source, problems);
  }

  const webhooks = file.webhooks ?? {};
  const webhookOverrides: DeliveryProfileOverrides = Object.freeze({
    ...(webhooks.max_attempts === undefined ? {} : { maxAttempts: webhooks.max_attempts }),
    ...(webhooks.retry_delays === undefined
      ? {}
      : { retryDelaysMs: Object.freeze(webhooks.retry_delays.map(ms)) }),
    ...(webhooks.attempt_timeout === undefined
      ? {}
      : { attemptTimeoutMs: ms(webhooks.attempt_timeout) }),
  });
  const profileName = webhooks.profile ?? DEFAULT_DELIVERY_PROFILE;
  const profile = resolveDeliveryProfile(profileName, webhookOverrides);
  return Object.freeze({
    name: file.name,
    description: file.description.trim(),
    source,
    seed: file.seed ?? 1,
    startMs,
    durationMs,
    speed: file.speed === "max" ? Number.POSITIVE_INFINITY : (file.speed ?? 60),
    workspace: {
      id: file.workspace?.id ?? 4123,
      plan: file.workspace?.plan ?? "pro",
      links: file.workspace?.links ?? 5,
    },
    traffic: {
      ratePerSecond: file.traffic.rate,
      trickyShare: file.traffic.tricky_share ?? 0.05,
      pattern: trafficPattern(file.traffic, ms),
      botShare: file.traffic.bot_share ?? 0,
      linkSkew: file.traffic.link_skew ?? 0,
    },
    ingestionLagP99Ms: file.ingestion?.lag_p99 === undefined ? 5_000 : ms(file.ingestion.lag_p99),
    attemptTimeoutMs: profile.attemptTimeoutMs,
    retryPolicy: profile.retryPolicy,
    duplicateShare: webhooks.duplicates ?? 0,
    outages,
    probeOffsetsMs: (file.probes?.at ?? ["1m"]).map(ms),
    expectations: {
      minAcceptedShare: file.expectations?.min_accepted_share ?? 1,
      minCoverage: file.expectations?.min_coverage ?? 1,
      maxPollerLagP99Ms:
        file.expectations?.max_poller_lag_p99 === undefined
          ? 10 * 60_000
          : ms(file.expectations.max_poller_lag_p99),
      maxRequestsPerClick: file.expectations?.max_requests_per_click ?? 1,
    },
    integration: {
      ...(file.integration?.receiver === undefined
        ? {}
        : { receiver: { ...file.integration.receiver } }),
      ...(file.integration?.poller === undefined ? {} : { poller: { ...file.integration.poller } }),
      hybrid: file.integration?.hybrid ?? false,
    },
    profile: profileName,
    webhookOverrides,
    pauseAfterConsecutiveFailures: profile.pauseAfterConsecutiveFailures,
    deliveryFaults,
    apiFaults,
  });
}

function trafficPattern(
  traffic: ScenarioFile["traffic"],
  ms: (value: string) => number,
): TrafficPattern {
  switch (traffic.pattern ?? "steady") {
    case "burst":
      return {
        kind: "burst",
        everyMs: traffic.burst === undefined ? 10 * 60_000 : ms(traffic.burst.every),
        durationMs: traffic.burst === undefined ? 60_000 : ms(traffic.burst.for),
        multiplier: traffic.burst?.multiplier ?? 10,
      };
    case "diurnal":
      return { kind: "diurnal", amplitude: traffic.diurnal_amplitude ?? 0.8 };
    default:
      return { kind: "steady" };
  }
}
