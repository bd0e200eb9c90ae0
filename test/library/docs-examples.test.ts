/** The useSimulator example of docs/api.md, verbatim, so the page shows code that runs. */
import { describe, expect, it } from "vitest";
import { useSimulator } from "../../src/vitest/index.js";

describe("my receiver", () => {
  // No probes: this receiver checks no signatures.
  const fixture = useSimulator({
    probes: [],
    faults: { receiverOutages: [{ start: "10m", duration: "30m" }] },
  });

  it("survives an outage", async () => {
    const { sim } = fixture;
    const ledger: string[] = [];
    await sim.addReceiver((request) => {
      ledger.push(JSON.parse(request.body.toString("utf8")).data.click_id);
      return { status: 200 };
    });
    await sim.runToEnd();
    const verdict = await sim.score({ observe: ledger });
    expect(verdict).toPassAllChecks();
    expect(verdict).toHaveCheck("outage-gap", "pass");
  });
});
