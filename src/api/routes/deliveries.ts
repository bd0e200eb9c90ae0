import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { ElidoSimError } from "../../errors.js";
import { ApiError } from "../api-error.js";
import {
  publicDeliveryDetail,
  publicDeliverySummary,
  publicNotification,
} from "./deliveries-format.js";
import {
  DELIVERY_LIST_PARAMETERS,
  encodeCursor,
  parseDeliveryFilter,
  parsePage,
} from "./deliveries-query.js";

type Query = Record<string, string | undefined>;

/**
 * The delivery log API: `GET /v1/webhooks/deliveries` (filtered, paginated),
 * `GET /v1/webhooks/deliveries/:id` (every attempt), `GET /v1/webhooks/notifications`
 * (permanent failures) and `POST /v1/webhooks/deliveries/:id/redeliver`. The server's hook
 * has authenticated the request. Times are simulated time.
 */
export function registerDeliveryRoutes(app: FastifyInstance, sim: Simulation): void {
  app.get<{ Querystring: Query }>("/v1/webhooks/deliveries", async (request) => {
    const filter = parseDeliveryFilter(request.query);
    const page = parsePage(request.query, DELIVERY_LIST_PARAMETERS);
    const matching = sim.deliveryLog.query(filter);
    const items = matching.slice(page.offset, page.offset + page.limit);
    const nextOffset = page.offset + items.length;
    return {
      items: items.map(publicDeliverySummary),
      total: matching.length,
      next_cursor: nextOffset < matching.length ? encodeCursor(nextOffset) : null,
    };
  });

  app.get<{ Params: { id: string } }>("/v1/webhooks/deliveries/:id", async (request) => {
    const delivery = sim.deliveryLog.get(request.params.id);
    if (delivery === undefined) {
      throw new ApiError("not_found", `Delivery "${request.params.id}" not found.`);
    }
    return publicDeliveryDetail(delivery);
  });

  app.post<{ Params: { id: string } }>(
    "/v1/webhooks/deliveries/:id/redeliver",
    async (request, reply) => {
      try {
        const delivery = sim.dispatcher.redeliver(request.params.id);
        reply.code(202);
        return publicDeliverySummary(delivery);
      } catch (error) {
        if (error instanceof ElidoSimError && error.code === "ELIDO_SIM_ERR_DELIVERY_NOT_FOUND") {
          throw new ApiError("not_found", `Delivery "${request.params.id}" not found.`);
        }
        if (error instanceof ElidoSimError && error.code === "ELIDO_SIM_ERR_ENDPOINT_NOT_FOUND") {
          throw new ApiError("not_found", error.message);
        }
        throw error;
      }
    },
  );

  app.get<{ Querystring: Query }>("/v1/webhooks/notifications", async (request) => {
    const page = parsePage(request.query);
    const all = sim.deliveryLog.notifications();
    const items = all.slice(page.offset, page.offset + page.limit);
    const nextOffset = page.offset + items.length;
    return {
      items: items.map(publicNotification),
      total: all.length,
      next_cursor: nextOffset < all.length ? encodeCursor(nextOffset) : null,
    };
  });
}
