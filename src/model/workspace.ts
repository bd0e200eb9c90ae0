/** A plan sizes the API rate limit and the webhook limits of a workspace. */
export type Plan = "free" | "pro" | "business";

export const PLANS: readonly Plan[] = ["free", "pro", "business"];

export interface Link {
  link_id: number;
  slug: string;
  destination: string;
}

export interface Workspace {
  readonly id: number;
  readonly plan: Plan;
  /** Bearer keys scoped to this workspace. */
  readonly apiKeys: readonly string[];
  readonly links: readonly Link[];
}
