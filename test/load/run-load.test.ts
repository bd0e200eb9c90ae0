import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createReferenceReceiver } from "../../examples/reference-receiver/receiver.js";
import { RealClock } from "../../src/clock/scaled-clock.js";
import { type LoadOptionsInput, resolveLoadOptions } from "../../src/load/load-options.js";
import type { LoadReport } from "../../src/load/load-report.js";
import { renderLoadHtml } from "../../src/load/render-load-html.js";
import { runLoad } from "../../src/load/run-load.js";
import { startTestReceiver, type TestReceiver } from "../fixtures/test-receivers.js";

const SECRET = "whsec_load-test-secret";
const SLOW_DELAY_MS = 20;

const servers: Server[] = [];
const receivers: TestReceiver[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  for (const receiver of receivers.splice(0)) {
    await receiver.close();
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
}

/** The reference receiver, optionally answering each request `delayMs` late. */
async function startReference(delayMs = 0): Promise<string> {
  const reference = createReferenceReceiver({ secret: SECRET });
  if (delayMs === 0) {
    return listen(reference.server);
  }
  const handler = reference.server.listeners("request")[0] as (...args: unknown[]) => void;
  const clock = new RealClock();
  return listen(
    createServer((request, response) => {
      clock.setTimer(delayMs, () => handler(request, response));
    }),
  );
}

function load(input: Omit<LoadOptionsInput, "secret">, observe?: string): Promise<LoadReport> {
  return runLoad(resolveLoadOptions({ secret: SECRET, calibrate: false, ...input }), { observe });
}

function check(report: LoadReport, id: string) {
  const found = report.checks.find((candidate) => candidate.id === id);
  expect(found, `check ${id}`).toBeDefined();
  return found as NonNullable<typeof found>;
}

describe("runLoad", () => {
  it("passes the reference receiver", async () => {
    const target = await startReference();
    const report = await load({
      target,
      duration: 1,
      warmup: 0.2,
      connections: 4,
      duplicates: 0.05,
      invalid: 0.05,
    });
    expect(report.passed).toBe(true);
    expect(report.aborted).toBe(false);
    expect(report.requests.byKind.valid).toBeGreaterThan(50);
    expect(report.requests.byKind.invalid).toBeGreaterThan(0);
    expect(report.requests.byKind.duplicate).toBeGreaterThan(0);
    expect(check(report, "invalid-rejected").status).toBe("pass");
    expect(check(report, "duplicates-acknowledged").status).toBe("pass");
    expect(report.latency.serviceTime.count).toBe(report.throughput.responses);
    expect(report.latency.serviceTime.p50).toBeGreaterThan(0);
    expect(report.latency.serviceTime.p50).toBeLessThan(SLOW_DELAY_MS * 1_000);
    expect(report.throughput.measuredSeconds).toBeCloseTo(1, 1);
  });

  it("shows a slow receiver's delay in the percentiles", async () => {
    const fast = await load({ target: await startReference(), duration: 1, connections: 4 });
    const slow = await load({
      target: await startReference(SLOW_DELAY_MS),
      duration: 1,
      connections: 4,
    });
    expect(slow.passed).toBe(true);
    expect(slow.latency.serviceTime.p50).toBeGreaterThanOrEqual(SLOW_DELAY_MS * 1_000);
    expect(fast.latency.serviceTime.p50).toBeLessThan(SLOW_DELAY_MS * 1_000);
    // Four connections that each wait 20 ms cannot pass 200 responses per second.
    expect(slow.throughput.perSecond).toBeLessThanOrEqual(4 * (1_000 / SLOW_DELAY_MS) * 1.05);
    expect(slow.throughput.perSecond).toBeLessThan(fast.throughput.perSecond);
  });

  it("charges a fixed-rate run from the intended send time", async () => {
    // 400/s over 2 connections of a 20 ms receiver: at most 100/s get through, so requests
    // fall further behind their schedule and the corrected latency grows beyond the delay.
    const report = await load({
      target: await startReference(SLOW_DELAY_MS),
      rate: 400,
      connections: 2,
      duration: 1,
    });
    expect(report.mode).toBe("fixed-rate");
    const corrected = report.latency.fromIntendedStart;
    expect(corrected).not.toBeNull();
    expect(corrected?.p90).toBeGreaterThan(report.latency.serviceTime.p90 * 2);
    expect(report.latency.coordinatedOmission).toMatch(/^Corrected/);
    expect(report.saturation.limit).toBe("receiver");
  });

  it("reports invalid signatures accepted under load", async () => {
    const receiver = await startTestReceiver(SECRET, { skipSignature: true });
    receivers.push(receiver);
    const report = await load({ target: receiver.url, amount: 300, connections: 4, invalid: 0.1 });
    const invalid = check(report, "invalid-rejected");
    expect(invalid.status).toBe("fail");
    expect(report.requests.statuses.invalid["200"]).toBeGreaterThan(0);
    expect(invalid.examples[0]?.deliveryId).toMatch(/^dlv_[0-9a-f]{24}$/);
    expect(invalid.examples[0]?.status).toBe(200);
    expect(report.passed).toBe(false);
  });

  it("reports duplicates recorded by a non-idempotent receiver", async () => {
    const receiver = await startTestReceiver(SECRET, { noIdempotency: true });
    receivers.push(receiver);
    const report = await load(
      { target: receiver.url, amount: 400, connections: 4, duplicates: 0.1 },
      receiver.ledgerUrl,
    );
    expect(report.observation?.duplicatesRecorded).toBeGreaterThan(0);
    expect(report.observation?.missing).toBe(0);
    expect(check(report, "no-duplicates-recorded").status).toBe("fail");
    expect(check(report, "duplicates-acknowledged").status).toBe("pass");
    expect(report.passed).toBe(false);
  });

  it("passes duplicates on the idempotent reference receiver", async () => {
    const target = await startReference();
    const ledger = target.replace(/\/webhook$/, "/ledger");
    const report = await load({ target, amount: 400, connections: 4, duplicates: 0.1 }, ledger);
    expect(report.observation?.duplicatesRecorded).toBe(0);
    expect(report.observation?.missing).toBe(0);
    expect(report.passed).toBe(true);
  });

  it("counts requests lost to closed connections", async () => {
    // Every tenth request has its connection closed instead of a response, so autocannon
    // reconnects and the generator must count the lost request before it sends the next one.
    const reference = createReferenceReceiver({ secret: SECRET });
    const handler = reference.server.listeners("request")[0] as (...args: unknown[]) => void;
    let received = 0;
    const target = await listen(
      createServer((request, response) => {
        received++;
        if (received % 10 === 0) {
          request.socket.destroy();
          return;
        }
        handler(request, response);
      }),
    );
    const report = await load({ target, amount: 200, connections: 2, maxErrorRate: 1 });
    const counts = report.requests;
    const answered = counts.statuses.valid["200"] ?? 0;
    expect(counts.noResponse).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(100);
    expect(answered + counts.noResponse + counts.inFlightAtStop).toBe(counts.sent);
    const accepted = check(report, "valid-accepted");
    expect(accepted.status).toBe("fail");
    expect(accepted.examples[0]?.status).toBeNull();
  });

  it("aborts when the error rate passes the limit", async () => {
    const receiver = await startTestReceiver(SECRET, { failAll: true });
    receivers.push(receiver);
    const report = await load({ target: receiver.url, duration: 5, connections: 4 });
    expect(report.aborted).toBe(true);
    expect(report.wallSeconds).toBeLessThan(3);
    expect(report.stopReason).toContain("exceeded --max-error-rate 0.5");
    expect(check(report, "run-completed").status).toBe("fail");
    expect(report.requests.statuses.valid["500"]).toBeGreaterThan(0);
  });

  it("calibrates the generator in maximum-throughput mode", async () => {
    const report = await runLoad(
      resolveLoadOptions({
        target: await startReference(),
        secret: SECRET,
        duration: 1,
        calibrateDuration: 1,
      }),
    );
    const calibration = report.saturation.calibration;
    expect(calibration).not.toBeNull();
    expect(calibration?.rate).toBeGreaterThan(0);
    expect(calibration?.ceilingRate).toBeGreaterThanOrEqual(calibration?.rate ?? 0);
    expect(report.saturation.generatorCpuShare).toBeGreaterThan(0);
    expect(["receiver", "generator"]).toContain(report.saturation.limit);
  });

  it("renders a self-contained HTML report", async () => {
    const report = await load({ target: await startReference(), duration: 0.5, connections: 2 });
    const html = renderLoadHtml(report);
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toContain("<script");
  });
});
