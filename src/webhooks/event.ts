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

/** Type of the event sent to an endpoint when it is registered with `send_test_event`. */
export const WEBHOOK_TEST = "webhook.test";

/** The payload of a `webhook.test` event. */
export interface TestEventData {
  endpoint_id: string;
  message: string;
}

/**
 * Builds the `webhook.test` event sent on registration. It has no click, so a receiver that
 * handles only `click.recorded` should answer 2xx and ignore it.
 */
export function buildTestEvent(
  id: string,
  createdAt: string,
  workspaceId: number,
  endpointId: string,
): WebhookEvent<TestEventData> {
  return {
    id,
    type: WEBHOOK_TEST,
    created_at: createdAt,
    workspace_id: workspaceId,
    data: { endpoint_id: endpointId, message: "Test event sent when the endpoint was registered." },
  };
}
