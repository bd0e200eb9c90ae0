import { describe, expect, it } from "vitest";
import { HEADER_SIM_NOW } from "../../src/api/server.js";
import {
  createSimulator,
  SchedulerLoopLimitError,
  type Simulator,
  SimulatorOptionsError,
  SimulatorUsageError,
} from "../../src/index.js";
import type { ReceiverRequest } from "../../src/library/handler-receiver.js";

const START = "2026-03-01T12:00:00Z";
const START_MS = Date.parse(START);

/** Runs `body` with a simulator and closes it afterwards, whatever happens. */
async function withSimulator(
  options: Parameters<typeof createSimulator>[0],
  body: (sim: Simulator) => Promise<void>,
): Promise<void> {
  const sim = await createSimulator(options);
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

/** A handler receiver that returns 200 and keeps each click id it was sent. */
function recordingHandler(): {
  clickIds: string[];
  handler: (request: ReceiverRequest) => { status: number };
} {
  const clickIds: string[] = [];
  return {
    clickIds,
    handler: (request) => {
      const event = JSON.parse(request.body.toString("utf8")) as { data: { click_id: string } };
      clickIds.push(event.data.click_id);
      return { status: 200 };
    },
  };
}

describe("createSimulator", () => {
  it("lists every invalid option", async () => {
    const creating = createSimulator({
      seed: -1,
      start: "yesterday",
      traffic: { ratePerSecond: -2, duration: "soon" },
      listen: { host: "0.0.0.0" as "127.0.0.1" },
    });

    await expect(creating).rejects.toBeInstanceOf(SimulatorOptionsError);
    const error = (await creating.catch((caught: unknown) => caught)) as SimulatorOptionsError;
    expect(error.code).toBe("ELIDO_SIM_ERR_SIMULATOR_OPTIONS_INVALID");
    expect(error.problems).toHaveLength(5);
    expect(error.message).toContain(
      'traffic.duration: expected milliseconds >= 0 or a duration such as "30s"',
    );
    expect(error.message).toContain('got "soon"');
    expect(error.message).toContain("listen.host: expected a loopback address");
  });

  it("freezes the resolved options", async () => {
    await withSimulator({ listen: false }, async (sim) => {
      expect(Object.isFrozen(sim.options)).toBe(true);
      expect(sim.options.startMs).toBe(Date.parse("2026-01-01T00:00:00Z"));
      expect(sim.options.retryPolicy.delaysMs).toEqual([60_000, 300_000, 900_000]);
    });
  });
});

describe("Simulator.advance", () => {
  it("delivers to a handler receiver on simulated time", async () => {
    const receiver = recordingHandler();
    await withSimulator(
      { start: START, listen: false, probes: [], traffic: { ratePerSecond: 1, duration: "1m" } },
      async (sim) => {
        await sim.addReceiver(receiver.handler);
        await sim.advance("2m");

        expect(sim.now()).toBe(START_MS + 120_000);
        const humans = sim.groundTruth.humans().map((recorded) => recorded.click.click_id);
        expect(humans.length).toBeGreaterThan(30);
        // Ingestion lag publishes clicks in order of visibility, not of occurrence.
        expect([...receiver.clickIds].sort()).toEqual(humans.sort());
        const verdict = await sim.score({ observe: receiver.clickIds });
        expect(verdict.passed).toBe(true);
      },
    );
  });

  it("replays a run exactly from its seed", async () => {
    const runOnce = async () => {
      const receiver = recordingHandler();
      let attempts: string[] = [];
      await withSimulator(
        {
          seed: 99,
          start: START,
          listen: false,
          traffic: { ratePerSecond: 2, duration: "3m" },
          faults: { receiverOutages: [{ start: "1m", duration: "2m" }], lostResponseShare: 0.2 },
        },
        async (sim) => {
          await sim.addReceiver(receiver.handler);
          await sim.runToEnd();
          attempts = sim
            .deliveries()
            .flatMap((delivery) =>
              delivery.attempts.map(
                (attempt) =>
                  `${delivery.id} ${attempt.number} ${attempt.startedAtMs} ${attempt.outcome}`,
              ),
            );
        },
      );
      return { attempts, clickIds: receiver.clickIds };
    };

    const first = await runOnce();
    const second = await runOnce();

    expect(first.attempts.length).toBeGreaterThan(0);
    expect(second.attempts).toEqual(first.attempts);
    expect(second.clickIds).toEqual(first.clickIds);
  });

  it("retries deliveries through a receiver outage", async () => {
    const receiver = recordingHandler();
    await withSimulator(
      {
        start: START,
        listen: false,
        probes: [],
        traffic: { ratePerSecond: 1, duration: "2m" },
        faults: { receiverOutages: [{ name: "blip", start: "0s", duration: "3m" }] },
      },
      async (sim) => {
        await sim.addReceiver(receiver.handler);
        await sim.runToEnd();

        const deliveries = sim.deliveries();
        expect(deliveries.every((delivery) => delivery.status === "succeeded")).toBe(true);
        expect(deliveries.every((delivery) => delivery.attempts.length > 1)).toBe(true);
        const verdict = await sim.score({ observe: receiver.clickIds });
        expect(verdict.checks.find((check) => check.id === "outage-gap")?.status).toBe("pass");
      },
    );
  });

  it("stops a task that reschedules itself", async () => {
    await withSimulator(
      { listen: false, traffic: false, probes: [], maxEventsPerAdvance: 1_000 },
      async (sim) => {
        const reschedule = (): void => {
          sim.scheduler.after(0, reschedule);
        };
        sim.scheduler.after(10, reschedule);

        const advancing = sim.advance("1s");

        await expect(advancing).rejects.toBeInstanceOf(SchedulerLoopLimitError);
        await expect(advancing).rejects.toMatchObject({
          code: "ELIDO_SIM_ERR_SCHEDULER_LOOP_LIMIT",
        });
      },
    );
  });

  it("rejects a second advance while one runs", async () => {
    await withSimulator({ listen: false, traffic: false, probes: [] }, async (sim) => {
      const first = sim.advance("1m");

      await expect(sim.advance("1m")).rejects.toBeInstanceOf(SimulatorUsageError);
      await first;
      expect(sim.now()).toBe(sim.startMs + 60_000);
    });
  });

  it("rejects an invalid duration", async () => {
    await withSimulator({ listen: false, traffic: false }, async (sim) => {
      await expect(sim.advance("ten minutes")).rejects.toThrow(
        'Invalid duration "ten minutes" for advance()',
      );
    });
  });

  it("rejects calls after close", async () => {
    const sim = await createSimulator({ listen: false, traffic: false });
    await sim.close();

    await expect(sim.advance(1)).rejects.toMatchObject({ code: "ELIDO_SIM_ERR_SIMULATOR_USAGE" });
  });
});

describe("Simulator.sleep and fetch", () => {
  it("wakes sleepers at simulated times", async () => {
    await withSimulator({ listen: false, traffic: false, probes: [] }, async (sim) => {
      const wokeAt: number[] = [];
      const sleeper = (async () => {
        await sim.sleep("30s");
        wokeAt.push(sim.now());
        await sim.sleep(1_500);
        wokeAt.push(sim.now());
      })();

      await sim.advance("1m");
      await sleeper;

      expect(wokeAt).toEqual([sim.startMs + 30_000, sim.startMs + 31_500]);
    });
  });

  it("holds time while a tracked request is in flight", async () => {
    await withSimulator({ traffic: false, probes: [] }, async (sim) => {
      const served: Array<{ simNow: string | null; afterMs: number }> = [];
      const client = (async () => {
        for (let poll = 0; poll < 3; poll++) {
          await sim.sleep("10s");
          const response = await sim.fetch(`${sim.apiBase}/webhooks`, {
            headers: { authorization: `Bearer ${sim.apiKey}` },
          });
          await response.json();
          served.push({ simNow: response.headers.get(HEADER_SIM_NOW), afterMs: sim.now() });
        }
      })();

      await sim.advance("1m");
      await client;

      expect(served.map((entry) => Date.parse(entry.simNow ?? ""))).toEqual([
        sim.startMs + 10_000,
        sim.startMs + 20_000,
        sim.startMs + 30_000,
      ]);
      expect(served.map((entry) => entry.afterMs)).toEqual([
        sim.startMs + 10_000,
        sim.startMs + 20_000,
        sim.startMs + 30_000,
      ]);
      expect(sim.requestLog.all().map((entry) => entry.atMs)).toEqual([
        sim.startMs + 10_000,
        sim.startMs + 20_000,
        sim.startMs + 30_000,
      ]);
    });
  });
});

describe("Simulator.score", () => {
  it("requires a choice among several receivers", async () => {
    await withSimulator({ listen: false, traffic: false }, async (sim) => {
      await sim.addReceiver(() => ({ status: 200 }));
      await sim.addReceiver(() => ({ status: 200 }));

      await expect(sim.score()).rejects.toThrow("Several receivers are registered");
      const chosen = await sim.score({ receiver: { endpointId: sim.receivers[1]?.endpointId } });
      expect(chosen.checks.length).toBeGreaterThan(0);
    });
  });

  it("fails the ledger checks on an unreadable observation", async () => {
    await withSimulator({ listen: false, traffic: false }, async (sim) => {
      await sim.addReceiver(() => ({ status: 200 }));

      const verdict = await sim.score({ observe: "/nonexistent/elido-sim/ledger.json" });

      const noMisses = verdict.checks.find((check) => check.id === "no-misses");
      expect(noMisses?.status).toBe("fail");
      expect(noMisses?.summary).toContain("/nonexistent/elido-sim/ledger.json");
    });
  });

  it("keeps the errors a handler receiver throws", async () => {
    await withSimulator(
      { start: START, listen: false, probes: [], traffic: { ratePerSecond: 1, duration: "10s" } },
      async (sim) => {
        const registration = await sim.addReceiver(() => {
          throw new Error("database unavailable");
        });
        await sim.advance("30s");

        expect(registration.handlerErrors.length).toBeGreaterThan(0);
        const attempt = sim.deliveries()[0]?.attempts[0];
        expect(attempt?.statusCode).toBe(500);
      },
    );
  });
});
