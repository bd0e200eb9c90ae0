/**
 * A hybrid integration: the reference receiver takes webhooks, and a reconciliation poller
 * re-reads the last 90 minutes of the analytics API every 5 minutes, so clicks whose
 * deliveries were lost in an outage longer than the 21-minute retry window are recovered.
 * Both paths feed one ledger keyed by click id, served at `GET /ledger`.
 *
 * Environment: `PORT`, `WEBHOOK_SECRET`, `ELIDO_API_BASE`, `ELIDO_WORKSPACE_ID`,
 * `ELIDO_API_KEY`, `ELIDO_SIM_SPEED`, as `elido-sim run --receiver-cmd` passes them.
 */

import { ReferencePoller } from "../reference-poller/poller.js";
import { createReferenceReceiver } from "../reference-receiver/receiver.js";

for (const name of ["WEBHOOK_SECRET", "ELIDO_API_BASE", "ELIDO_WORKSPACE_ID", "ELIDO_API_KEY"]) {
  if (process.env[name] === undefined || process.env[name] === "") {
    console.error(`hybrid: ${name} is not set.`);
    process.exit(2);
  }
}

const ledger = new Set<string>();
const order: string[] = [];
const record = (clickId: string) => {
  if (!ledger.has(clickId)) {
    ledger.add(clickId);
    order.push(clickId);
  }
};

const receiver = createReferenceReceiver({
  secret: process.env.WEBHOOK_SECRET as string,
  onClick: record,
  ledger: () => order,
});
const poller = new ReferencePoller({
  apiBase: process.env.ELIDO_API_BASE as string,
  workspaceId: process.env.ELIDO_WORKSPACE_ID as string,
  apiKey: process.env.ELIDO_API_KEY as string,
  speed: Number(process.env.ELIDO_SIM_SPEED ?? "1") || 1,
  pollIntervalMs: 5 * 60_000,
  // Longer than an outage plus the retry window, so every lost delivery is re-read.
  overlapMs: 90 * 60_000,
  onClick: record,
});

const port = Number(process.env.PORT ?? "8787");
receiver.server.listen(port, "127.0.0.1", () => {
  console.log(
    `hybrid: webhooks at http://127.0.0.1:${port}/webhook, ledger at /ledger, reconciling every 5 minutes`,
  );
  poller.start();
});
const stop = async () => {
  await poller.stop();
  receiver.server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
