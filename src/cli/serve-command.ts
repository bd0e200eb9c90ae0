import type { AddressInfo } from "node:net";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { ControlledReceiverOutages } from "../api/routes/control-faults.js";
import { buildServer } from "../api/server.js";
import type { Clock } from "../clock/clock.js";
import { RealClock, ScaledClock } from "../clock/scaled-clock.js";
import { VirtualClock } from "../clock/virtual-clock.js";
import { Simulation } from "../core/simulation.js";
import { ElidoSimError } from "../errors.js";
import { PLANS, type Plan } from "../model/workspace.js";
import { CLICK_RECORDED } from "../webhooks/event.js";
import { generateSecret } from "../webhooks/signature.js";

export interface ServeArguments {
  port: number;
  host: string;
  seed: number;
  speed: string;
  plan: string;
  rate: number;
  links: number;
  secret?: string;
  webhookUrl?: string;
  rateLimitScope: string;
  logLevel: string;
}

/** Length of each traffic window; the next one is scheduled when one starts, so traffic never ends. */
const TRAFFIC_WINDOW_MS = 3_600_000;

export function configureServeCommand(yargs: Argv): Argv<ServeArguments> {
  return yargs
    .option("port", {
      type: "number",
      default: 4010,
      describe: "Port of the simulator; 0 picks a free port and prints it",
    })
    .option("host", {
      type: "string",
      default: "127.0.0.1",
      describe: "Address to listen on; the control API answers loopback clients only",
    })
    .option("seed", { type: "number", default: 1, describe: "Seed that fixes every random choice" })
    .option("speed", {
      type: "string",
      default: "1",
      describe:
        'Simulated seconds per real second, or "max" for a virtual clock moved only by POST /_sim/clock/advance',
    })
    .option("plan", {
      type: "string",
      default: "pro",
      choices: PLANS as unknown as string[],
      describe: "Plan of the workspace; it sizes the rate limit",
    })
    .option("rate", {
      type: "number",
      default: 1,
      describe: "Generated human clicks per simulated second; 0 generates none",
    })
    .option("links", { type: "number", default: 5, describe: "Number of short links" })
    .option("secret", {
      type: "string",
      describe: "Signing secret of the --webhook-url endpoint. Default: a generated whsec_ secret",
    })
    .option("webhook-url", {
      type: "string",
      describe: "Receiver URL to register as a click.recorded endpoint at start",
    })
    .option("rate-limit-scope", {
      type: "string",
      default: "workspace",
      choices: ["workspace", "key"],
      describe:
        "Rate-limit bucket per workspace (Elido's default) or per API key (Business 1000/min)",
    })
    .option("log-level", {
      type: "string",
      default: "warn",
      choices: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
      describe: "Log level of the server (pino)",
    }) as unknown as Argv<ServeArguments>;
}

/** Runs `elido-sim serve` until SIGINT or SIGTERM, then stops cleanly and returns 0. */
export async function executeServe(args: ArgumentsCamelCase<ServeArguments>): Promise<number> {
  const options = validateServeArguments(args);
  // Starts on the current wall-clock second, so that simulated times read like today's.
  const startMs = Math.floor(new RealClock().now() / 1_000) * 1_000;
  const clock: Clock = Number.isFinite(options.speed)
    ? new ScaledClock(options.speed, startMs)
    : new VirtualClock(startMs);
  const taskErrors: unknown[] = [];
  const sim = new Simulation({
    clock,
    seed: args.seed,
    plan: args.plan as Plan,
    linkCount: args.links,
    onTaskError: (error) => taskErrors.push(error),
  });
  const receiverOutages = new ControlledReceiverOutages();
  sim.dispatcher.setFaults(receiverOutages);

  const app = buildServer(sim, {
    logLevel: args.logLevel,
    rateLimit: { scope: args.rateLimitScope as "workspace" | "key" },
    control: { receiverOutages },
  });
  await app.listen({ host: args.host, port: args.port });

  const secret = args.secret ?? generateSecret(sim.random.fork("secret"));
  if (args.webhookUrl !== undefined) {
    sim.endpoints.register(args.webhookUrl, [CLICK_RECORDED], clock.now(), secret);
  }
  if (args.rate > 0) {
    startEndlessTraffic(sim, args.rate);
  }

  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}`;
  const firstSlug = sim.workspace.links[0]?.slug ?? "";
  process.stdout.write(
    [
      `elido-sim serve: seed ${args.seed}, ` +
        (Number.isFinite(options.speed) ? `speed ${options.speed}x` : "virtual clock") +
        `, plan ${args.plan}, ${args.rate} clicks/s`,
      `  Base URL:       ${baseUrl}`,
      `  API base:       ${baseUrl}/v1  (workspace ${sim.workspace.id})`,
      `  API key:        ${sim.workspace.apiKeys[0]}`,
      `  Webhook secret: ${secret}` +
        (args.webhookUrl === undefined
          ? "  (no --webhook-url given)"
          : `  (for ${args.webhookUrl})`),
      `  Edge:           ${baseUrl}/r/${firstSlug}  (${sim.workspace.links.length} links)`,
      `  Control API:    ${baseUrl}/_sim/`,
      "",
    ].join("\n"),
  );

  const signal = await waitForStopSignal();
  process.stdout.write(`elido-sim serve: ${signal} received, stopping\n`);
  await app.close();
  await sim.close();
  if (taskErrors.length > 0) {
    process.stderr.write(`elido-sim serve: ${taskErrors.length} scheduled tasks failed\n`);
  }
  return 0;
}

function validateServeArguments(args: ServeArguments): { speed: number } {
  const problems: string[] = [];
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    problems.push(`--port ${args.port}: expected an integer from 0 to 65535`);
  }
  if (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff) {
    problems.push(`--seed ${args.seed}: expected an integer from 0 to 4294967295`);
  }
  if (!(args.rate >= 0 && args.rate <= 10_000)) {
    problems.push(`--rate ${args.rate}: expected clicks per second from 0 to 10000`);
  }
  if (!Number.isInteger(args.links) || args.links < 1 || args.links > 10_000) {
    problems.push(`--links ${args.links}: expected an integer from 1 to 10000`);
  }
  if (args.secret !== undefined && args.secret.length < 8) {
    problems.push("--secret: expected at least 8 characters");
  }
  if (args.webhookUrl !== undefined && !/^https?:\/\//i.test(args.webhookUrl)) {
    problems.push(`--webhook-url "${args.webhookUrl}": expected an http:// or https:// URL`);
  }
  let speed = Number.POSITIVE_INFINITY;
  if (args.speed !== "max") {
    speed = Number(args.speed);
    if (!(Number.isFinite(speed) && speed > 0 && speed <= 100_000)) {
      problems.push(`--speed "${args.speed}": expected a number > 0 and <= 100000, or "max"`);
    }
  }
  if (problems.length > 0) {
    throw new ElidoSimError("ELIDO_SIM_ERR_USAGE", `Invalid options: ${problems.join("; ")}.`);
  }
  return { speed };
}

/** Schedules traffic in hour-long windows, each scheduling the next, until the process stops. */
function startEndlessTraffic(sim: Simulation, ratePerSecond: number): void {
  const startWindow = (startMs: number): void => {
    const endMs = startMs + TRAFFIC_WINDOW_MS;
    sim.startTraffic({ startMs, endMs, ratePerSecond });
    sim.scheduler.at(endMs, () => startWindow(endMs));
  };
  startWindow(Math.floor(sim.clock.now()));
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
