/**
 * Starts the reference poller with the environment `elido-sim run --poller-cmd` passes:
 * `ELIDO_API_BASE`, `ELIDO_WORKSPACE_ID`, `ELIDO_API_KEY`, `ELIDO_SIM_SPEED`, and `PORT`, where
 * it serves `GET /ledger` on 127.0.0.1 for `--poller-observe`.
 */
import { createServer } from "node:http";
import { ReferencePoller } from "./poller.js";

const required = ["ELIDO_API_BASE", "ELIDO_WORKSPACE_ID", "ELIDO_API_KEY"] as const;
for (const name of required) {
  if (process.env[name] === undefined || process.env[name] === "") {
    console.error(`reference-poller: ${name} is not set.`);
    process.exit(2);
  }
}
const poller = new ReferencePoller({
  apiBase: process.env.ELIDO_API_BASE as string,
  workspaceId: process.env.ELIDO_WORKSPACE_ID as string,
  apiKey: process.env.ELIDO_API_KEY as string,
  speed: Number(process.env.ELIDO_SIM_SPEED ?? "1") || 1,
});
const port = Number(process.env.PORT ?? "8788");
const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/ledger") {
    const body = JSON.stringify({ click_ids: poller.clickIds });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(body);
    return;
  }
  response.writeHead(404, { "content-type": "application/json" });
  response.end('{"error":"not found"}');
});
server.listen(port, "127.0.0.1", () => {
  console.log(
    `reference-poller: polling ${process.env.ELIDO_API_BASE}, ledger at http://127.0.0.1:${port}/ledger`,
  );
  poller.start();
});
const stop = async () => {
  await poller.stop();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
