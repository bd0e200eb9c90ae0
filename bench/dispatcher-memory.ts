/**
 * Memory of queued deliveries: how many heap bytes one delivery costs while it waits for its
 * first attempt, with its body, its delivery log entry and its scheduled task.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { VirtualClock } from "../src/clock/virtual-clock.js";
import { Simulation } from "../src/core/simulation.js";
import { buildClickEvent } from "../src/webhooks/event.js";
import { encodeGoJson } from "../src/webhooks/go-json.js";

export interface QueuedMemory {
  readonly deliveries: number;
  /** Heap bytes per queued delivery, body included. */
  readonly bytesPerDelivery: number;
  /** Mean body length in bytes (V8 stores these one-byte strings at one byte a character). */
  readonly bodyBytes: number;
  /** Heap bytes per extra delivery of an event already queued for another endpoint. */
  readonly bytesPerSharedDelivery: number;
}

/** Runs a full garbage collection; the flag is set at run time so `npm run bench` needs no option. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

/**
 * Queues `deliveries` deliveries of distinct events to one endpoint on a virtual clock that
 * never moves, then `deliveries / 10` events to two endpoints, and measures the heap growth.
 */
export function measureQueuedMemory(deliveries = 1_000_000): QueuedMemory {
  const start = Date.parse("2026-05-15T09:00:00Z");
  const sim = new Simulation({ clock: new VirtualClock(start), seed: 1 });
  // Nothing is sent: the clock does not move, so every delivery stays queued.
  const endpoint = sim.endpoints.register("http://127.0.0.1:9/webhook", ["click.recorded"], start);
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("The benchmark workspace has no link.");
  }
  const template = sim.createDetachedClick(link, start * 1_000);
  const eventFor = (index: number) =>
    buildClickEvent(`evt_${index.toString(16).padStart(24, "0")}`, template.occurred_at, {
      ...template,
      click_id: `00000000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`,
    });

  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  let bodyBytes = 0;
  for (let index = 0; index < deliveries; index++) {
    const event = eventFor(index);
    const delivery = sim.dispatcher.deliver(endpoint, event, event.data.click_id);
    bodyBytes += delivery.body.length;
  }
  collectGarbage();
  const afterSingle = process.memoryUsage().heapUsed;

  // A second endpoint: each published event now makes two deliveries sharing one body.
  const shared = Math.floor(deliveries / 10);
  sim.endpoints.register("http://127.0.0.1:9/second", ["click.recorded"], start);
  const firstEndpointOnly = sim.endpoints.list()[0];
  for (let index = 0; index < shared; index++) {
    const event = eventFor(deliveries + index);
    sim.dispatcher.publish(event, event.data.click_id);
  }
  collectGarbage();
  const afterShared = process.memoryUsage().heapUsed;
  const bodyOnly = encodeGoJson(eventFor(0)).length;
  const perDelivery = (afterSingle - before) / deliveries;
  // Each published event costs one body and two deliveries; subtract one full delivery.
  const perShared = (afterShared - afterSingle) / shared - perDelivery;
  if (sim.deliveryLog.all().length !== deliveries + 2 * shared || firstEndpointOnly === undefined) {
    throw new Error("The memory benchmark did not queue the expected deliveries.");
  }
  return {
    deliveries,
    bytesPerDelivery: perDelivery,
    bodyBytes: bodyBytes / deliveries || bodyOnly,
    bytesPerSharedDelivery: perShared,
  };
}

/**
 * Measures in a child process with a 4 GiB heap limit, because a million queued deliveries
 * need more than Node's default limit on small machines, and so the heap of the other
 * benchmarks does not blur the numbers.
 */
export async function measureQueuedMemoryInChild(deliveries = 1_000_000): Promise<QueuedMemory> {
  const { execFile } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--max-old-space-size=4096", script, String(deliveries)],
      { timeout: 600_000, maxBuffer: 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) {
          reject(error);
          return;
        }
        resolve(JSON.parse(stdout) as QueuedMemory);
      },
    );
  });
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")
) {
  process.stdout.write(
    `${JSON.stringify(measureQueuedMemory(Number(process.argv[2] ?? "1000000")))}\n`,
  );
}
