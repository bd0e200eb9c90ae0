/**
 * Tests the reference receiver and the reference poller in-process over a simulated day with
 * a 30-minute receiver outage, in about ten seconds of wall time.
 *
 * In your own project, import from "elido-sim" and "elido-sim/vitest".
 */
import { describe, expect, it } from "vitest";
import { useSimulator } from "../../src/vitest/index.js";
import { dayWithOutageOptions, playReferenceIntegrations } from "./day-with-outage.js";

describe("reference integrations in-process", () => {
  const fixture = useSimulator(dayWithOutageOptions());

  it("pass a day with a receiver outage", { timeout: 180_000 }, async () => {
    const { sim } = fixture;
    const ledgers = await playReferenceIntegrations(sim);

    const receiverVerdict = await sim.score({ receiver: { observe: ledgers.receiverClickIds } });
    expect(receiverVerdict).toPassAllChecks({ requireObserved: true });
    // A webhook-only receiver loses the clicks whose four attempts all fell in the outage.
    // The check passes because the injected window explains the loss.
    const outageGap = receiverVerdict.checks.find((check) => check.id === "outage-gap");
    expect(outageGap?.summary).toMatch(/^[1-9]\d* clicks lost in 1 outage window/);
    expect(outageGap?.evidence.join("\n")).toContain('outage "morning-outage"');

    const pollerVerdict = await sim.score({ poller: { observe: ledgers.pollerClickIds } });
    expect(pollerVerdict).toPassAllChecks();
    expect(pollerVerdict).toHaveCheck("ledger-matches-ground-truth", "pass");
    const visibleHumanClicks = sim.groundTruth
      .humans()
      .filter((recorded) => recorded.visibleAtMs <= sim.now())
      .map((recorded) => recorded.click.click_id);
    expect([...ledgers.pollerClickIds].sort()).toEqual(visibleHumanClicks.sort());
  });
});
