/**
 * Benchmarks of elido-sim, each reported as a ratio against a baseline measured in the same
 * run on the same machine, so the numbers compare across machines. Every load is bounded in
 * time or count and aims only at 127.0.0.1.
 *
 * Usage: npm run bench [-- --write]   (--write replaces the results table in docs/benchmarks.md)
 *        npm run bench -- --quick    (prints the dispatcher, scenario and load rows, writes nothing)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { VirtualClock } from "../src/clock/virtual-clock.js";
import { Simulation } from "../src/core/simulation.js";
import { loadScenario } from "../src/scenario/load-scenario.js";
import { runScenario } from "../src/scenario/run-scenario.js";
import { Dispatcher } from "../src/webhooks/dispatcher.js";
import { buildClickEvent, CLICK_RECORDED } from "../src/webhooks/event.js";
import { encodeGoJson } from "../src/webhooks/go-json.js";
import { wallClockUnixSeconds } from "../src/webhooks/signature.js";
import { measureAnalyticsRows } from "./analytics.js";
import { measureQueuedMemoryInChild } from "./dispatcher-memory.js";
import { measureInProcessRows } from "./library.js";
import { measureLoad } from "./load.js";
import { measureStoreRows } from "./store.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONNECTIONS = 32;
const BASELINE_SECONDS = 5;
/** Deliveries of the measured dispatcher run, after a warm-up run of WARMUP_DELIVERIES. */
const DELIVERIES = 100_000;
const WARMUP_DELIVERIES = 20_000;

interface Row {
  name: string;
  value: string;
  baseline: string;
  ratio: number;
  goal: string;
}

async function startTrivialReceiver(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(HERE, "trivial-receiver.js")], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`trivial receiver exited with code ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/webhook` };
}

/**
 * Measures autocannon posting one prebuilt delivery, signed headers and body, with no work per
 * request. The receiver parses the same body and headers as for a dispatcher delivery.
 */
async function measureAutocannon(
  url: string,
  delivery: { body: string; headers: Record<string, string> },
): Promise<number> {
  const result = await autocannon({
    url,
    method: "POST",
    body: delivery.body,
    headers: delivery.headers,
    connections: CONNECTIONS,
    duration: BASELINE_SECONDS,
  });
  return result.requests.average;
}

/**
 * Measures signed deliveries per second with `count` events queued at once on a virtual clock.
 * Also returns the last body and its signed headers, which the autocannon baseline sends.
 */
async function measureDispatcher(
  url: string,
  count: number,
): Promise<{ perSecond: number; body: string; headers: Record<string, string> }> {
  const start = Date.parse("2026-05-15T09:00:00Z");
  const sim = new Simulation({ clock: new VirtualClock(start), seed: 1 });
  const endpoint = sim.endpoints.register(url, ["click.recorded"], start, "whsec_bench");
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("The benchmark workspace has no link.");
  }
  let body = "";
  for (let index = 0; index < count; index++) {
    const click = sim.createDetachedClick(link, start * 1_000 + index);
    const event = buildClickEvent(`evt_${index}`, click.occurred_at, click);
    body = encodeGoJson(event);
    sim.dispatcher.deliver(endpoint, event, click.click_id);
  }
  const startedAt = performance.now();
  await sim.scheduler.runUntilQuiet(start + 60_000);
  const seconds = (performance.now() - startedAt) / 1_000;
  const succeeded = sim.deliveryLog
    .all()
    .filter((delivery) => delivery.status === "succeeded").length;
  await sim.close();
  if (succeeded !== count) {
    throw new Error(`Only ${succeeded} of ${count} deliveries succeeded.`);
  }
  const headers = Dispatcher.signedHeaders(
    { id: "dlv_0123456789abcdef01234567", eventType: CLICK_RECORDED, body },
    "whsec_bench",
    1,
    wallClockUnixSeconds(),
  );
  return { perSecond: count / seconds, body, headers };
}

/** The shipped scenario on a virtual clock: simulated time per wall second, and attempts per second. */
async function measureScenario(
  url: string,
): Promise<{ attemptsPerSecond: number; speedup: number }> {
  const result = await runScenario({
    scenario: loadScenario("receiver-outages"),
    receiverUrl: url,
    speed: Number.POSITIVE_INFINITY,
  });
  const attempts = result.deliveries.reduce((sum, delivery) => sum + delivery.attempts.length, 0);
  return {
    attemptsPerSecond: attempts / (result.wallMs / 1_000),
    speedup: (result.endMs - result.startMs) / result.wallMs,
  };
}

function renderTable(rows: readonly Row[]): string {
  const lines = [
    "| Benchmark | elido-sim | Baseline (same run) | Ratio | Goal |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| ${row.name} | ${row.value} | ${row.baseline} | ${row.ratio.toFixed(2)} | ${row.goal} |`,
    ),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const receiver = await startTrivialReceiver();
  try {
    // An unmeasured first run lets V8 optimize the dispatcher's hot paths. autocannon's 5 s run
    // includes its own warm-up.
    await measureDispatcher(receiver.url, WARMUP_DELIVERIES);
    const dispatcher = await measureDispatcher(receiver.url, DELIVERIES);
    const baseline = await measureAutocannon(receiver.url, dispatcher);
    const scenario = await measureScenario(receiver.url);
    const load = await measureLoad(receiver.url, CONNECTIONS, BASELINE_SECONDS);
    const rows: Row[] = [
      {
        name: "Signed deliveries per second to a trivial keep-alive receiver",
        value: `${Math.round(dispatcher.perSecond)}/s`,
        baseline: `autocannon ${Math.round(baseline)} req/s`,
        ratio: dispatcher.perSecond / baseline,
        goal: ">= 0.8",
      },
      {
        name: "Attempts per second in `receiver-outages` on a virtual clock",
        value: `${Math.round(scenario.attemptsPerSecond)}/s (${Math.round(scenario.speedup)}x real time)`,
        baseline: `autocannon ${Math.round(baseline)} req/s`,
        ratio: scenario.attemptsPerSecond / baseline,
        goal: "none yet",
      },
      {
        name: "`elido-sim load` signed requests per second, maximum throughput",
        value: `${Math.round(load)}/s`,
        baseline: `autocannon ${Math.round(baseline)} req/s`,
        ratio: load / baseline,
        goal: ">= 0.8",
      },
    ];
    if (process.argv.includes("--quick")) {
      // A quick check prints only the rows against autocannon and writes nothing.
      process.stdout.write(`${renderTable(rows)}\n`);
      return;
    }
    const memory = await measureQueuedMemoryInChild();
    rows.push({
      name: `Heap bytes per queued delivery (${memory.deliveries.toLocaleString("en")} queued)`,
      value: `${Math.round(memory.bytesPerDelivery)} B`,
      baseline: `its body alone: ${Math.round(memory.bodyBytes)} B`,
      ratio: memory.bodyBytes / memory.bytesPerDelivery,
      goal: "none yet",
    });
    rows.push(...measureStoreRows(), ...(await measureAnalyticsRows()));
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node.js ${process.version}`;
    const table = renderTable(rows);
    process.stdout.write(`${machine}\n\n${table}\n`);
    // Its own table in docs/benchmarks.md, written by hand: it has no baseline to divide by.
    process.stdout.write(`\n${await measureInProcessRows()}`);
    if (process.argv.includes("--write")) {
      const path = join(HERE, "..", "..", "docs", "benchmarks.md");
      const text = await readFile(path, "utf8");
      const marker = /<!-- results -->[\s\S]*<!-- \/results -->/;
      const measured = new Date().toISOString().slice(0, 10);
      await writeFile(
        path,
        text.replace(
          marker,
          `<!-- results -->\nMeasured ${measured} on ${machine}.\n\n${table}\n<!-- /results -->`,
        ),
      );
      process.stdout.write(`Updated ${path}\n`);
    }
  } finally {
    receiver.child.kill("SIGTERM");
  }
}

await main();
