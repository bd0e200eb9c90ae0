import { afterEach, describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run-scenario.js";
import type { CheckResult } from "../../src/scoring/check-result.js";
import { shortScenario } from "../fixtures/scenarios.js";
import {
  type ReceiverFaults,
  startTestReceiver,
  type TestReceiver,
} from "../fixtures/test-receivers.js";

const SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWVsaWRvLXNpbS10ZXN0cw==";
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function scoreReceiver(faults: ReceiverFaults) {
  receiver = await startTestReceiver(SECRET, faults);
  const result = await runScenario({
    scenario: shortScenario(),
    receiverUrl: receiver.url,
    secret: SECRET,
    speed: Number.POSITIVE_INFINITY,
    observe: receiver.ledgerUrl,
  });
  const byId = new Map<string, CheckResult>(
    result.verdict.checks.map((check) => [check.id, check]),
  );
  return { result, check: (id: string) => byId.get(id) as CheckResult };
}

describe("receiver checks", () => {
  it("pass for a correct receiver", async () => {
    const { result, check } = await scoreReceiver({});
    expect(result.verdict.counts).toEqual({ pass: 7, fail: 0, not_observed: 0 });
    expect(check("outage-gap").data?.lost_to_outages).toBeGreaterThan(0);
    expect(result.pendingDeliveries).toBe(0);
    expect(result.taskErrors).toEqual([]);
  });

  it("catch a receiver without signature verification", async () => {
    const { result, check } = await scoreReceiver({ skipSignature: true });
    expect(check("wrong-secret-rejected").status).toBe("fail");
    expect(check("wrong-secret-rejected").evidence.join("\n")).toContain("(accepted)");
    expect(result.verdict.firstFailure?.id).toBe("wrong-secret-rejected");
    // The forged probes' clicks were recorded, and the ledger check names them.
    expect(check("no-duplicates").status).toBe("fail");
    expect(check("no-duplicates").evidence.join("\n")).toContain("forged probe");
  });

  it("catch a receiver without a timestamp window", async () => {
    const { check } = await scoreReceiver({ skipTimestampWindow: true });
    expect(check("stale-timestamp-rejected").status).toBe("fail");
    expect(check("wrong-secret-rejected").status).toBe("pass");
  });

  it("catch a compare that throws on short signatures", async () => {
    const { check } = await scoreReceiver({ throwingCompare: true });
    const malformed = check("malformed-signature-rejected");
    expect(malformed.status).toBe("fail");
    expect(malformed.summary).toMatch(/answered 5xx/);
    expect(malformed.data?.server_errors).toBeGreaterThan(0);
    expect(malformed.hint).toContain("timingSafeEqual");
  });

  it("catch a receiver that records duplicates", async () => {
    const { check } = await scoreReceiver({ noIdempotency: true });
    const duplicates = check("no-duplicates");
    expect(duplicates.status).toBe("fail");
    expect(duplicates.summary).toMatch(/^[1-9]\d* clicks recorded more than once/);
    expect(check("no-misses").status).toBe("pass");
  });

  it("catch a receiver that hashes re-serialized JSON", async () => {
    const { check } = await scoreReceiver({ reserializeBody: true });
    const accepted = check("deliveries-accepted");
    expect(accepted.status).toBe("fail");
    expect(accepted.hint).toContain("re-serialized JSON");
  });

  it("catch a receiver that acknowledges without recording", async () => {
    const { check } = await scoreReceiver({ dropEveryNth: 10 });
    expect(check("no-misses").status).toBe("fail");
    expect(check("no-misses").evidence[0]).toMatch(
      /^click [0-9a-f-]{36}: dlv_[0-9a-f]+ attempt \d answered 200/,
    );
  });

  it("blame the receiver for losses outside outages", async () => {
    const { check } = await scoreReceiver({ failAll: true });
    const gap = check("outage-gap");
    expect(gap.status).toBe("fail");
    expect(gap.data?.lost_to_receiver).toBeGreaterThan(0);
    expect(check("deliveries-accepted").status).toBe("fail");
  });

  it("pass on a scaled clock too", async () => {
    receiver = await startTestReceiver(SECRET);
    const result = await runScenario({
      scenario: shortScenario(),
      receiverUrl: receiver.url,
      secret: SECRET,
      speed: 1_200,
      observe: receiver.ledgerUrl,
    });
    expect(result.clockMode).toBe("scaled");
    expect(result.verdict.counts).toEqual({ pass: 7, fail: 0, not_observed: 0 });
    expect(result.pendingDeliveries).toBe(0);
  });

  it("report ledger checks as not observed without --observe", async () => {
    receiver = await startTestReceiver(SECRET);
    const result = await runScenario({
      scenario: shortScenario(),
      receiverUrl: receiver.url,
      secret: SECRET,
      speed: Number.POSITIVE_INFINITY,
    });
    const statuses = result.verdict.checks.map((check) => [check.id, check.status]);
    expect(statuses).toContainEqual(["no-misses", "not_observed"]);
    expect(statuses).toContainEqual(["no-duplicates", "not_observed"]);
    expect(result.verdict.passed).toBe(true);
  });
});
