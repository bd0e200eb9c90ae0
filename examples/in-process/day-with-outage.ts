/**
 * One simulated day against the reference receiver and the reference poller, both in this
 * process: the receiver serves webhooks on 127.0.0.1 as it would in production, and the poller
 * reads the analytics API through the simulator's tracked `fetch` and sleeps on its clock.
 * `reference-integrations.test.ts` asserts the verdicts, and `npm run bench` times the run.
 *
 * In your own project, import from "elido-sim" instead of the relative path.
 */
import type { AddressInfo } from "node:net";
import type { Simulator, SimulatorOptions } from "../../src/index.js";
import { ReferencePoller } from "../reference-poller/poller.js";
import { createReferenceReceiver } from "../reference-receiver/receiver.js";

/** Clicks per simulated second of the day: about 8,600 clicks in 24 hours, a busy small workspace. */
export const DAY_RATE_PER_SECOND = 0.1;

/** 24 hours of steady traffic with a 30-minute receiver outage at 06:00 and two probe rounds. */
export function dayWithOutageOptions(ratePerSecond = DAY_RATE_PER_SECOND): SimulatorOptions {
  return {
    seed: 7,
    start: "2026-05-15T00:00:00Z",
    traffic: { ratePerSecond, duration: "24h" },
    faults: { receiverOutages: [{ name: "morning-outage", start: "6h", duration: "30m" }] },
    probes: ["1m", "12h"],
  };
}

export interface ReferenceLedgers {
  /** Click ids the reference receiver recorded, in order. */
  readonly receiverClickIds: readonly string[];
  /** Click ids the reference poller recorded, in order. */
  readonly pollerClickIds: readonly string[];
}

/**
 * Starts the reference receiver on 127.0.0.1 and the reference poller on `sim`'s clock, runs
 * the simulator to its end, stops both, and returns what each recorded.
 */
export async function playReferenceIntegrations(sim: Simulator): Promise<ReferenceLedgers> {
  if (sim.apiBase === undefined) {
    throw new Error("The reference poller needs the fake API: create the simulator with listen.");
  }
  const receiver = createReferenceReceiver({ secret: sim.webhookSecret });
  const poller = new ReferencePoller({
    apiBase: sim.apiBase,
    workspaceId: String(sim.workspace.id),
    apiKey: sim.apiKey,
    fetch: sim.fetch,
    sleep: (serverMs) => sim.sleep(serverMs),
    // Sixty times this run's 5 s ingestion-lag p99; the poller's default of 15 minutes would
    // parse three times the rows for the same result.
    overlapMs: 5 * 60_000,
    // Once a minute, as a reconciliation job against the real service would poll.
    pollIntervalMs: 60_000,
    log: () => undefined,
  });
  try {
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.server.address() as AddressInfo;
    await sim.addReceiver(`http://127.0.0.1:${port}/webhook`);
    poller.start();
    await sim.runToEnd();
  } finally {
    await poller.stop();
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
  return { receiverClickIds: [...receiver.clickIds], pollerClickIds: [...poller.clickIds] };
}
