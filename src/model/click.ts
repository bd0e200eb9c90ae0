/** A device class as the analytics API reports it. */
export type Device = "desktop" | "mobile" | "tablet";

/**
 * A recorded click. Field names and order are those of API results and of `click.recorded`
 * payloads; the webhook body relies on this order because Go writes struct fields in order.
 */
export interface Click {
  click_id: string;
  link_id: number;
  workspace_id: number;
  slug: string;
  /** RFC 3339 UTC with microseconds, e.g. `2026-05-15T09:42:11.382417Z`. */
  occurred_at: string;
  country_code: string | null;
  device: Device;
  browser: string;
  os: string;
  referrer_host: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  suspected_bot: boolean;
}

/** A click as the simulator's ground truth keeps it: the public fields plus what only the simulator knows. */
export interface RecordedClick {
  readonly click: Click;
  /** Simulated epoch microseconds of `occurred_at`. */
  readonly occurredAtUs: number;
  /** Simulated epoch milliseconds at which ingestion made the click visible and emitted its event. */
  readonly visibleAtMs: number;
  /** True for requests that bot filtering dropped: they never reach analytics or webhooks. */
  readonly bot: boolean;
}

/** Formats simulated epoch microseconds as RFC 3339 UTC with six fractional digits. */
export function formatTimestampUs(epochUs: number): string {
  const ms = Math.floor(epochUs / 1_000);
  const micros = epochUs - ms * 1_000;
  const iso = new Date(ms).toISOString(); // 2026-05-15T09:42:11.382Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

/** Formats simulated epoch milliseconds as RFC 3339 UTC with three fractional digits. */
export function formatTimestampMs(epochMs: number): string {
  return new Date(Math.floor(epochMs)).toISOString();
}
