/**
 * Starts the reference receiver with the environment `elido-sim run --receiver-cmd` passes:
 * `PORT` and `WEBHOOK_SECRET`. It listens on 127.0.0.1 only.
 */
import { createReferenceReceiver } from "./receiver.js";

const port = Number(process.env.PORT ?? "8787");
const secret = process.env.WEBHOOK_SECRET;
if (secret === undefined || secret === "") {
  console.error(
    "reference-receiver: WEBHOOK_SECRET is not set; pass the endpoint's signing secret.",
  );
  process.exit(2);
}
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`reference-receiver: invalid PORT "${process.env.PORT}": expected 1 to 65535.`);
  process.exit(2);
}

const receiver = createReferenceReceiver({ secret });
receiver.server.listen(port, "127.0.0.1", () => {
  console.log(
    `reference-receiver: listening on http://127.0.0.1:${port}/webhook, ledger at /ledger`,
  );
});
const stop = () => receiver.server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
