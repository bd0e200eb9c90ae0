import type { Click } from "../../src/model/click.js";
import type { Workspace } from "../../src/model/workspace.js";

/** Workspace with two links, the setup the store tests share. */
export const STORE_WORKSPACE: Workspace = {
  id: 4123,
  plan: "pro",
  apiKeys: ["elido_sk_test"],
  links: [
    { link_id: 90_001, slug: "alpha", destination: "https://example.test/a" },
    { link_id: 90_002, slug: "beta", destination: "https://example.test/b" },
  ],
};

/** Orders stored clicks as pages list them: by time, then by click id. */
export function byListingOrder(
  a: { occurredAtUs: number; click: Click },
  b: { occurredAtUs: number; click: Click },
): number {
  if (a.occurredAtUs !== b.occurredAtUs) {
    return a.occurredAtUs - b.occurredAtUs;
  }
  if (a.click.click_id === b.click.click_id) {
    return 0;
  }
  return a.click.click_id < b.click.click_id ? -1 : 1;
}
