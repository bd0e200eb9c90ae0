import type { FastifyInstance } from "fastify";
import type { Simulation } from "../../core/simulation.js";
import { JsonWriter } from "../../store/json-writer.js";
import { PageClickIds } from "../../store/page-click-ids.js";
import { ApiError } from "../api-error.js";
import type { CursorCodec, CursorState } from "../cursor.js";
import {
  DEFAULT_PAGE_LIMIT,
  invalidParameter,
  type QueryParameterName,
  querySchema,
  resolveWindow,
} from "../query.js";
import { ANALYTICS_PREFIX, checkAnalyticsRequest, nowUs } from "./analytics-common.js";
import { ERROR_RESPONSES, RecentPageSchema, WorkspaceParams } from "./analytics-schemas.js";
import { RecentCursors } from "./recent-cursors.js";

const ACCEPTED: readonly QueryParameterName[] = ["from", "to", "limit", "cursor", "link_id"];
const RecentQuery = querySchema(ACCEPTED);

interface RecentQueryValues {
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  link_id?: string;
}

/**
 * `GET .../clicks/recent`: visible human clicks of a window, ordered by `occurred_at` then
 * `click_id`, a page at a time. The body is written from the store's columns as UTF-8 bytes,
 * so a page builds no click objects or JSON strings, and is sent without re-encoding.
 */
export function registerRecentRoute(
  app: FastifyInstance,
  sim: Simulation,
  cursors: CursorCodec,
): void {
  // Handlers run one at a time and copy the bytes out before returning, so one writer of the
  // body serves all requests.
  const writer = new JsonWriter();
  const recentCursors = new RecentCursors(cursors);
  app.get(
    `${ANALYTICS_PREFIX}/clicks/recent`,
    {
      attachValidation: true,
      schema: {
        summary: "List recent clicks, a page at a time",
        description:
          "Visible human clicks with `from <= occurred_at < to`, ordered by `occurred_at`, then `click_id`. " +
          "A click that ingestion makes visible late appears in later reads of its window, not in pages " +
          "after a cursor that has passed it.",
        tags: ["analytics"],
        params: WorkspaceParams,
        querystring: RecentQuery,
        response: { 200: RecentPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      checkAnalyticsRequest(request, sim, ACCEPTED);
      const query = request.query as RecentQueryValues;
      const limit = query.limit === undefined ? DEFAULT_PAGE_LIMIT : Number(query.limit);
      const state = resolveState(query, sim, recentCursors);
      if (request.logDetails !== null && query.cursor !== undefined) {
        request.logDetails.cursor = query.cursor;
      }

      const store = sim.clickStore;
      const linkCode = state.linkId === null ? null : store.linkCode(state.linkId);
      const { rows, more } =
        linkCode === undefined
          ? { rows: [], more: false }
          : store.page(state.fromUs, state.toUs, state.after, linkCode, limit);

      writer.reset();
      writer.ascii('{"items":[');
      store.writeClicks(rows, writer);
      const lastRow = rows[rows.length - 1];
      const nextCursor =
        more && lastRow !== undefined
          ? recentCursors.encode({ ...state, after: store.position(lastRow) })
          : null;
      if (request.logDetails !== null) {
        request.logDetails.packedClickIds = new PageClickIds(store, rows);
        request.logDetails.nextCursor = nextCursor;
      }

      // The cursor is base64url, so it needs no escaping.
      writer.ascii(`],"next_cursor":${nextCursor === null ? "null" : `"${nextCursor}"`}}`);
      reply.type("application/json; charset=utf-8");
      return writer.toBuffer();
    },
  );
}

/** Returns the window, link filter and position of the request, from its cursor or its parameters. */
function resolveState(
  query: RecentQueryValues,
  sim: Simulation,
  cursors: RecentCursors,
): Omit<CursorState, "after"> & { after: CursorState["after"] | null } {
  const linkId = query.link_id === undefined ? null : Number(query.link_id);
  if (linkId !== null && !isKnownLink(sim, linkId)) {
    throw new ApiError(
      "not_found",
      `Link ${linkId} not found in workspace ${sim.workspace.id}. Send a link_id of this workspace.`,
    );
  }
  if (query.cursor === undefined) {
    const window = resolveWindow(query, nowUs(sim));
    return { workspaceId: sim.workspace.id, ...window, linkId, after: null };
  }

  if (query.from !== undefined || query.to !== undefined) {
    throw new ApiError(
      "validation_failed",
      "Invalid query: from and to cannot be sent with cursor, because the cursor carries its window. " +
        "Send the cursor alone to continue, or from and to without a cursor to start a new read.",
    );
  }
  const state = cursors.decode(query.cursor);
  if (state === undefined || state.workspaceId !== sim.workspace.id) {
    throw invalidParameter("cursor", query.cursor);
  }
  if (linkId !== null && linkId !== state.linkId) {
    throw new ApiError(
      "validation_failed",
      `Invalid query parameter link_id: the cursor filters on ${state.linkId === null ? "no link" : `link ${state.linkId}`}, got ${linkId}. ` +
        "Send the same link_id as the first page, or none.",
    );
  }
  return state;
}

function isKnownLink(sim: Simulation, linkId: number): boolean {
  return (
    sim.workspace.links.some((link) => link.link_id === linkId) ||
    sim.clickStore.linkCode(linkId) !== undefined
  );
}
