import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";

/** Path of the OpenAPI document; it needs no API key. */
export const OPENAPI_PATH = "/openapi.json";

/**
 * Registers @fastify/swagger and `GET /openapi.json`. The document is OpenAPI 3.1, generated
 * from the TypeBox schemas that validate the requests. Only routes added after this call,
 * inside a plugin, appear in it, because the plugin collects routes as they are added.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Elido API (elido-sim)",
        version: "1",
        description:
          "The click-analytics and webhook API of Elido as elido-sim serves it. Every response " +
          "carries the simulated time in X-Sim-Now and the request id in X-Request-ID; errors " +
          "are `{ error, code, request_id }`.",
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "An API key of the workspace: `Authorization: Bearer elido_sk_…`.",
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
