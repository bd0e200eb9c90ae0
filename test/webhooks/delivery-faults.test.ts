import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/clock/virtual-clock.js";
import { Simulation } from "../../src/core/simulation.js";
import {
  DeliveryFaultPlan,
  type DeliveryFaultPlanOptions,
} from "../../src/faults/delivery-fault-plan.js";
import { buildClickEvent } from "../../src/webhooks/event.js";
import { createRecordingServer, type RecordingServer } from "../fixtures/http-servers.js";

const T0 = Date.parse("2026-05-15T09:00:00Z");
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const SECRET = "whsec_fault-test";
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface FaultRun {
  sim: Simulation;
  receiver: RecordingServer;
}

/** Publishes `events` events, one every 10 simulated seconds, with the given faults. */
async function runWithFaults(
  options: DeliveryFaultPlanOptions,
  events: number,
  seed = 5,
): Promise<FaultRun> {
  const receiver = await createRecordingServer(200);
  const sim = new Simulation({ clock: new VirtualClock(T0), seed });
  closers.push(
    () => sim.close(),
    () => receiver.close(),
  );
  sim.dispatcher.setFaults(new DeliveryFaultPlan(sim.random.fork("delivery-faults"), options));
  sim.endpoints.register(receiver.url, ["click.recorded"], T0, SECRET);
  const link = sim.workspace.links[0];
  if (link === undefined) {
    throw new Error("no link");
  }
  for (let index = 0; index < events; index++) {
    sim.scheduler.at(T0 + index * 10 * SECOND, () => {
      const click = sim.createDetachedClick(link, sim.clock.now() * 1_000);
      sim.dispatcher.publish(
        buildClickEvent(`evt_${index}`, click.occurred_at, click),
        click.click_id,
      );
    });
  }
  await sim.scheduler.runUntilQuiet(T0 + 60 * MINUTE);
  return { sim, receiver };
}

function eventIdsInArrivalOrder(receiver: RecordingServer): string[] {
  return receiver.requests.map((request) => (JSON.parse(request.body) as { id: string }).id);
}

describe("delivery faults", () => {
  it("resends a slow success with the same delivery id", async () => {
    const { sim, receiver } = await runWithFaults(
      { slowSuccesses: [{ name: "slow", startMs: T0, endMs: T0 + SECOND, share: 1 }] },
      1,
    );
    const delivery = sim.deliveryLog.all()[0];

    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]?.headers["x-webhook-delivery"]).toBe(delivery?.id);
    expect(receiver.requests[1]?.headers["x-webhook-delivery"]).toBe(delivery?.id);
    expect(delivery?.attempts[0]).toMatchObject({
      outcome: "success",
      statusCode: 200,
      responseLost: true,
      fault: "slow",
    });
    expect(delivery?.attempts[1]?.startedAtMs).toBe(T0 + MINUTE);
    expect(delivery?.status).toBe("succeeded");
    expect(sim.dispatcher.timeline.entries().map((entry) => entry.kind)).toContain("slow_success");
  });

  it("sends a duplicate with the same delivery id later", async () => {
    const { sim, receiver } = await runWithFaults(
      {
        duplicates: [
          {
            name: "dup",
            startMs: T0,
            endMs: T0 + SECOND,
            share: 1,
            concurrent: false,
            delayMs: 5 * SECOND,
          },
        ],
      },
      1,
    );
    const delivery = sim.deliveryLog.all()[0];

    expect(receiver.requests).toHaveLength(2);
    expect(new Set(receiver.requests.map((r) => r.headers["x-webhook-delivery"]))).toEqual(
      new Set([delivery?.id]),
    );
    expect(delivery?.attempts.map((attempt) => attempt.startedAtMs - T0)).toEqual([0, 5 * SECOND]);
    expect(delivery?.attempts[1]).toMatchObject({ duplicate: true, fault: "dup" });
  });

  it("has concurrent duplicates in flight together", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const deliveryIds: string[] = [];
    const server = createServer((request, response) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      deliveryIds.push(String(request.headers["x-webhook-delivery"]));
      request.resume();
      // Answer only once the second copy has arrived, or after 200 ms of wall time.
      const finish = () => {
        inFlight--;
        response.end("{}");
      };
      if (deliveryIds.length >= 2) {
        finish();
        pending?.();
        return;
      }
      pending = finish;
      setTimeout(() => pending?.(), 200);
    });
    let pending: (() => void) | undefined;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const sim = new Simulation({ clock: new VirtualClock(T0), seed: 2 });
    closers.push(() => sim.close());
    sim.dispatcher.setFaults(
      new DeliveryFaultPlan(sim.random.fork("f"), {
        duplicates: [
          { name: "twin", startMs: T0, endMs: T0 + SECOND, share: 1, concurrent: true, delayMs: 0 },
        ],
      }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    const endpoint = sim.endpoints.register(url, ["click.recorded"], T0, SECRET);
    const click = sim.createDetachedClick(sim.workspace.links[0] as never, T0 * 1_000);
    const delivery = sim.dispatcher.deliver(
      endpoint,
      buildClickEvent("evt_twin", click.occurred_at, click),
    );

    await sim.scheduler.runUntilQuiet(T0 + MINUTE);

    expect(maxInFlight).toBe(2);
    expect(deliveryIds).toEqual([delivery.id, delivery.id]);
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[1]).toMatchObject({ duplicate: true, fault: "twin", number: 1 });
    expect(delivery.status).toBe("succeeded");
  });

  it("holds a backlog until the window ends", async () => {
    const { sim, receiver } = await runWithFaults(
      { backlogs: [{ name: "backlog", startMs: T0, endMs: T0 + 2 * MINUTE }] },
      15,
    );
    const deliveries = sim.deliveryLog.all();

    // Events at 0s..110s are held to 2m; events at 120s..140s go out at once.
    for (const delivery of deliveries.slice(0, 12)) {
      expect(delivery.attempts[0]?.startedAtMs).toBe(T0 + 2 * MINUTE);
      expect(delivery.attempts[0]?.fault).toBe("backlog");
    }
    for (const delivery of deliveries.slice(12)) {
      expect(delivery.attempts[0]?.startedAtMs).toBe(delivery.createdAtMs);
    }
    expect(eventIdsInArrivalOrder(receiver).slice(0, 12)).toEqual(
      Array.from({ length: 12 }, (_, index) => `evt_${index}`),
    );
  });

  it("reorders deliveries in a window", async () => {
    const { sim, receiver } = await runWithFaults(
      {
        reorders: [
          {
            name: "shuffle",
            startMs: T0,
            endMs: T0 + 5 * MINUTE,
            share: 1,
            maxDelayMs: 2 * MINUTE,
          },
        ],
      },
      20,
    );
    const arrived = eventIdsInArrivalOrder(receiver);

    expect(arrived).toHaveLength(20);
    expect(new Set(arrived).size).toBe(20);
    expect(arrived).not.toEqual(Array.from({ length: 20 }, (_, index) => `evt_${index}`));
    expect(
      sim.deliveryLog.all().every((delivery) => delivery.attempts[0]?.fault === "shuffle"),
    ).toBe(true);
  });

  it("replays the same fault decisions from the same seed", async () => {
    const options: DeliveryFaultPlanOptions = {
      reorders: [
        { name: "shuffle", startMs: T0, endMs: T0 + 5 * MINUTE, share: 0.5, maxDelayMs: MINUTE },
      ],
    };
    const first = eventIdsInArrivalOrder((await runWithFaults(options, 20, 9)).receiver);
    const second = eventIdsInArrivalOrder((await runWithFaults(options, 20, 9)).receiver);

    expect(second).toEqual(first);
  });

  it("redelivers manually with the same event id and a new delivery id", async () => {
    const { sim, receiver } = await runWithFaults(
      { redeliveries: [{ name: "resend", atMs: T0 + 10 * MINUTE, share: 1 }] },
      3,
    );
    const deliveries = sim.deliveryLog.all();
    const copies = deliveries.filter((delivery) => delivery.redeliveryOf !== undefined);

    expect(copies).toHaveLength(3);
    for (const copy of copies) {
      const original = sim.deliveryLog.get(copy.redeliveryOf as string);
      expect(copy.eventId).toBe(original?.eventId);
      expect(copy.id).not.toBe(original?.id);
      expect(copy.body).toBe(original?.body);
      expect(copy.attempts[0]?.startedAtMs).toBe(T0 + 10 * MINUTE);
    }
    expect(receiver.requests).toHaveLength(6);
    expect(new Set(receiver.requests.map((r) => r.headers["x-webhook-delivery"])).size).toBe(6);
    expect(new Set(eventIdsInArrivalOrder(receiver)).size).toBe(3);
  });

  it("redelivers one delivery on request", async () => {
    const { sim, receiver } = await runWithFaults({}, 1);
    const original = sim.deliveryLog.all()[0];

    const copy = sim.dispatcher.redeliver(original?.id as string);
    await sim.scheduler.runUntilQuiet(sim.clock.now() + MINUTE);

    expect(copy.eventId).toBe("evt_0");
    expect(copy.id).not.toBe(original?.id);
    expect(copy.status).toBe("succeeded");
    expect(receiver.requests[1]?.headers["x-webhook-delivery"]).toBe(copy.id);
    expect(() => sim.dispatcher.redeliver("dlv_unknown")).toThrow(
      expect.objectContaining({ code: "ELIDO_SIM_ERR_DELIVERY_NOT_FOUND" }),
    );
  });

  it("publishes no event for a bot click", async () => {
    const { sim, receiver } = await runWithFaults({}, 0);
    const click = sim.createDetachedClick(sim.workspace.links[0] as never, T0 * 1_000);

    sim.recordBotClick(click, T0 * 1_000);
    await sim.scheduler.runUntilQuiet(T0 + 10 * MINUTE);

    expect(sim.deliveryLog.all()).toHaveLength(0);
    expect(receiver.requests).toHaveLength(0);
  });
});
