import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { formatTimestampMs } from "../../model/click.js";
import type { WebhookEndpoint } from "../../webhooks/endpoints.js";
import { CLICK_RECORDED } from "../../webhooks/event.js";
import { ApiError } from "../api-error.js";

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: "Receiver URL, http(s)://" }),
    events: Type.Array(Type.Literal(CLICK_RECORDED), { minItems: 1, maxItems: 10 }),
    secret: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
    send_test_event: Type.Optional(
      Type.Boolean({
        description:
          "Send a webhook.test event to the endpoint right after registration. Default: false.",
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

function publicEndpoint(endpoint: WebhookEndpoint, includeSecret: boolean) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    created_at: formatTimestampMs(endpoint.createdAtMs),
    ...(includeSecret ? { secret: endpoint.secret } : {}),
  };
}

/**
 * `POST /v1/webhooks`, `GET /v1/webhooks` and `DELETE /v1/webhooks/:id`. The secret appears only
 * in the creation response. The server's hook has authenticated the request. Elido requires HTTPS; the simulator also takes `http://` because
 * receivers under test listen on loopback.
 */
export function registerWebhookRoutes(app: FastifyInstance, sim: Simulation): void {
  app.post<{ Body: CreateWebhookBody }>(
    "/v1/webhooks",
    { schema: { body: CreateWebhookBody } },
    async (request, reply) => {
      const { url, events, secret, send_test_event: sendTestEvent = false } = request.body;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new ApiError(
          "validation_failed",
          `Invalid url: expected an absolute http(s) URL, got "${url}".`,
        );
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new ApiError(
          "validation_failed",
          `Invalid url: expected the http or https scheme, got "${parsed.protocol}".`,
        );
      }
      const endpoint = sim.endpoints.register(url, events, sim.clock.now(), secret);
      // Off by default: receivers that record every event as a click would count the test
      // event, so a scenario run must not send it unless asked.
      const testDelivery = sendTestEvent
        ? sim.dispatcher.sendTestEvent(endpoint, sim.workspace.id)
        : undefined;
      reply.code(201);
      return {
        ...publicEndpoint(endpoint, true),
        ...(testDelivery === undefined ? {} : { test_delivery_id: testDelivery.id }),
      };
    },
  );

  app.get("/v1/webhooks", async () => {
    return { items: sim.endpoints.list().map((endpoint) => publicEndpoint(endpoint, false)) };
  });

  app.delete<{ Params: { id: string } }>("/v1/webhooks/:id", async (request, reply) => {
    if (!sim.endpoints.remove(request.params.id)) {
      throw new ApiError("not_found", `Webhook endpoint "${request.params.id}" not found.`);
    }
    reply.code(204);
    return null;
  });
}
