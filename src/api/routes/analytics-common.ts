import type { FastifyRequest } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { ApiError } from "../api-error.js";
import { type QueryParameterName, queryValidationError, quoteValue } from "../query.js";

/** Base path of the analytics API. */
export const ANALYTICS_PREFIX = "/v1/analytics/workspaces/:workspace_id";

/**
 * Checks the path's workspace id against the key's workspace, then the query's validation
 * result. Routes attach validation errors instead of failing on them, so that the path is
 * checked first and the message names the parameter, its accepted form and the value.
 */
export function checkAnalyticsRequest(
  request: FastifyRequest,
  sim: Simulation,
  accepted: readonly QueryParameterName[],
): void {
  const { workspace_id: workspaceId } = request.params as { workspace_id: string };
  if (!/^[0-9]{1,15}$/.test(workspaceId)) {
    throw new ApiError(
      "validation_failed",
      `Invalid path parameter workspace_id: expected a numeric workspace id such as ${sim.workspace.id}, got ${quoteValue(workspaceId)}.`,
    );
  }
  if (Number(workspaceId) !== sim.workspace.id) {
    throw new ApiError(
      "forbidden",
      `This API key is scoped to workspace ${sim.workspace.id}, not ${workspaceId}. Use a key of workspace ${workspaceId}.`,
    );
  }
  if (request.logDetails !== null) {
    request.logDetails.workspaceId = sim.workspace.id;
  }
  const validation = request.validationError;
  if (validation !== undefined) {
    throw queryValidationError(
      validation.validation,
      request.query as Record<string, unknown>,
      accepted,
    );
  }
}

/** Simulated now in epoch microseconds. */
export function nowUs(sim: Simulation): number {
  return Math.floor(sim.clock.now() * 1_000);
}
