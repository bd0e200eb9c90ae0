/**
 * One simulated day against the reference receiver and the reference poller, both in this
 * process: the receiver serves webhooks on 127.0.0.1 as it would in production, and the poller
 * reads the analytics API through the simulator's tracked `fetch` and sleeps on its clock.
 * The test next to this file asserts the verdicts, and `npm run bench` times the run.
 *
 * In your own project, import from "elido-sim" instead of the relative path.
 */
import type { AddressInfo } from "node:net";
import { createSimulator, type Simulator, type Verdict } from "../../src/index.js";
import { ReferencePoller } from "../reference-poller/poller.js";
import { createReferenceReceiver } from "../reference-receiver/receiver.js";

export interface DayWithOutageOptions {
  /** Mean clicks per simulated second. Default: 0.2, about 17,000 clicks in the day. */
  readonly ratePerSecond?: number;
  readonly seed?: number;
  /**
   * How far back each poll re-reads. Default: 5 minutes, sixty times the 5 s ingestion-lag p99
   * of this run; the reference poller's own default of 15 minutes triples the rows parsed.
   */
  readonly overlapMs?: number;
}

export interface DayWithOutageResult {
  readonly receiverVerdict: Verdict;
  readonly pollerVerdict: Verdict;
  /** Click ids the receiver and the poller recorded, in order. */
  readonly receiverClickIds: readonly string[];
  readonly pollerClickIds: readonly string[];
  /** Human clicks visible by the end of the run: what the poller must end with. */
  readonly expectedClickIds: readonly string[];
  readonly stats: ReturnType<Simulator["stats"]>;
  /** Simulated milliseconds from the start to the end of the run. */
  readonly simulatedMs: number;
}

/** Plays 24 hours of traffic with a 30-minute receiver outage at 06:00, then scores both integrations. */
export async function runDayWithOutage(
  options: DayWithOutageOptions = {},
): Promise<DayWithOutageResult> {
  const sim = await createSimulator({
    seed: options.seed ?? 7,
    start: "2026-05-15T00:00:00Z",
    traffic: { ratePerSecond: options.ratePerSecond ?? 0.2, duration: "24h" },
    faults: { receiverOutages: [{ name: "morning-outage", start: "6h", duration: "30m" }] },
    probes: ["1m", "12h"],
  });
  const receiver = createReferenceReceiver({ secret: sim.webhookSecret });
  const poller = new ReferencePoller({
    apiBase: sim.apiBase as string,
    workspaceId: String(sim.workspace.id),
    apiKey: sim.apiKey,
    fetch: sim.fetch,
    sleep: (serverMs) => sim.sleep(serverMs),
    overlapMs: options.overlapMs ?? 5 * 60_000,
    log: () => undefined,
  });
  try {
    await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.server.address() as AddressInfo;
    await sim.addReceiver(`http://127.0.0.1:${port}/webhook`);
    poller.start();

    await sim.runToEnd();
    await poller.stop();

    const receiverVerdict = await sim.score({ receiver: { observe: receiver.clickIds } });
    const pollerVerdict = await sim.score({ poller: { observe: poller.clickIds } });
    const endMs = sim.now();
    return {
      receiverVerdict,
      pollerVerdict,
      receiverClickIds: [...receiver.clickIds],
      pollerClickIds: [...poller.clickIds],
      expectedClickIds: sim.groundTruth
        .humans()
        .filter((recorded) => recorded.visibleAtMs <= endMs)
        .map((recorded) => recorded.click.click_id),
      stats: sim.stats(),
      simulatedMs: endMs - sim.startMs,
    };
  } finally {
    await poller.stop();
    await sim.close();
    receiver.server.closeAllConnections();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
}
