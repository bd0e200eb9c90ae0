import type { FastifyRequest } from "fastify";
import type { Workspace } from "../model/workspace.js";
import { ApiError } from "./api-error.js";

/**
 * Checks the `Authorization: Bearer <key>` header against the workspace's keys. A missing or
 * unknown key is a 401; a valid key used on another workspace's path is a 403.
 */
export function authenticate(
  request: FastifyRequest,
  workspace: Workspace,
  pathWorkspaceId?: string,
): void {
  const header = request.headers.authorization;
  if (header === undefined || header === "") {
    throw new ApiError("unauthorized", "Missing API key: send `Authorization: Bearer <key>`.");
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match === null) {
    throw new ApiError("unauthorized", "Invalid Authorization header: expected `Bearer <key>`.");
  }
  if (!workspace.apiKeys.includes(match[1] as string)) {
    throw new ApiError("unauthorized", "Unknown API key.");
  }
  if (pathWorkspaceId !== undefined && pathWorkspaceId !== String(workspace.id)) {
    throw new ApiError(
      "forbidden",
      `This API key is scoped to workspace ${workspace.id}, not ${pathWorkspaceId}.`,
    );
  }
}
