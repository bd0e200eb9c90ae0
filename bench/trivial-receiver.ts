/**
 * The trivial keep-alive receiver that benchmarks aim at: it reads the body and answers 200
 * with `{}`. It runs in its own process so it does not share a core with the load generator.
 */
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? "0");
const server = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json", "content-length": "2" });
    response.end("{}");
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${typeof address === "object" && address !== null ? address.port : port}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
