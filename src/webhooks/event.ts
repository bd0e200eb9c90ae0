import type { Click } from "../model/click.js";

export const CLICK_RECORDED = "click.recorded";

/** The envelope of a webhook event, fields in the order the Go dispatcher writes them. */
export interface WebhookEvent<T = Click> {
  id: string;
  type: string;
  /** RFC 3339 UTC with microseconds: when ingestion processed the click. */
  created_at: string;
  workspace_id: number;
  data: T;
}

/** Builds a `click.recorded` event. The key order here is the byte order of the body. */
export function buildClickEvent(id: string, createdAt: string, click: Click): WebhookEvent {
  return {
    id,
    type: CLICK_RECORDED,
    created_at: createdAt,
    workspace_id: click.workspace_id,
    data: click,
  };
}
