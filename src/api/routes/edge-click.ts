import type { Click, Device } from "../../model/click.js";
import { formatTimestampUs } from "../../model/click.js";
import type { Random } from "../../model/random.js";
import type { Link, Workspace } from "../../model/workspace.js";
import { COMMON_COUNTRIES } from "../../traffic/click-factory.js";

/** Request headers and query of one redirect, from which the edge builds its click. */
export interface RedirectRequest {
  readonly userAgent: string;
  readonly acceptLanguage: string | undefined;
  readonly referer: string | undefined;
  /** The short link's query string, parsed. */
  readonly query: URLSearchParams;
}

// Countries picked when `Accept-Language` names no region; `null` stands for an address that
// geolocation could not place, which the API reports as `country_code: null`.
const FALLBACK_COUNTRIES: readonly (string | null)[] = [
  ...COMMON_COUNTRIES,
  "ES",
  "IT",
  "PL",
  null,
];

const UTM_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"] as const;

/**
 * Builds the click of a redirect. The simulator has no IP geolocation, so the country is the
 * region of the first `Accept-Language` tag (`de-AT` gives `AT`), or a seeded pick when the tag
 * has none. Device, browser and OS come from a rough User-Agent match, good enough for
 * breakdowns but not a full parser.
 */
export function buildEdgeClick(
  workspace: Workspace,
  link: Link,
  request: RedirectRequest,
  occurredAtUs: number,
  random: Random,
): Click {
  const clickId = random.uuid();
  const countryCode =
    countryFromAcceptLanguage(request.acceptLanguage) ?? random.pick(FALLBACK_COUNTRIES);
  const utm = Object.fromEntries(
    UTM_FIELDS.map((field) => [field, nonEmpty(request.query.get(field))]),
  ) as Record<(typeof UTM_FIELDS)[number], string | null>;
  return {
    click_id: clickId,
    link_id: link.link_id,
    workspace_id: workspace.id,
    slug: link.slug,
    occurred_at: formatTimestampUs(occurredAtUs),
    country_code: countryCode,
    device: parseDevice(request.userAgent),
    browser: parseBrowser(request.userAgent),
    os: parseOs(request.userAgent),
    referrer_host: referrerHost(request.referer),
    utm_source: utm.utm_source,
    utm_medium: utm.utm_medium,
    utm_campaign: utm.utm_campaign,
    utm_content: utm.utm_content,
    utm_term: utm.utm_term,
    suspected_bot: false,
  };
}

/** Returns the upper-case region of the first language tag, e.g. `de-AT;q=0.9` gives `AT`. */
export function countryFromAcceptLanguage(header: string | undefined): string | undefined {
  const first = header?.split(",")[0]?.split(";")[0]?.trim() ?? "";
  const match = /^[a-z]{2,3}[-_]([a-z]{2})\b/i.exec(first);
  return match === null ? undefined : (match[1] as string).toUpperCase();
}

export function parseDevice(userAgent: string): Device {
  if (/ipad|tablet|kindle|silk|playbook/i.test(userAgent)) {
    return "tablet";
  }
  if (/mobi|iphone|ipod|android|windows phone/i.test(userAgent)) {
    return "mobile";
  }
  return "desktop";
}

export function parseBrowser(userAgent: string): string {
  // Order matters: Edge, Opera and Samsung Internet also carry `Chrome/`, and Chrome carries `Safari/`.
  const browsers: ReadonlyArray<readonly [RegExp, string]> = [
    [/edg(e|a|ios)?\//i, "Edge"],
    [/opr\/|opera/i, "Opera"],
    [/samsungbrowser/i, "Samsung Internet"],
    [/firefox|fxios/i, "Firefox"],
    [/chrome|crios|chromium/i, "Chrome"],
    [/safari/i, "Safari"],
  ];
  return browsers.find(([pattern]) => pattern.test(userAgent))?.[1] ?? "Other";
}

export function parseOs(userAgent: string): string {
  // iOS before macOS, because iPad and iPhone User-Agents contain `like Mac OS X`.
  const systems: ReadonlyArray<readonly [RegExp, string]> = [
    [/windows/i, "Windows"],
    [/iphone|ipad|ipod/i, "iOS"],
    [/mac os x|macintosh/i, "macOS"],
    [/android/i, "Android"],
    [/cros/i, "ChromeOS"],
    [/linux/i, "Linux"],
  ];
  return systems.find(([pattern]) => pattern.test(userAgent))?.[1] ?? "Other";
}

/** Returns the host of a `Referer` URL, or `null` when there is none or it does not parse. */
export function referrerHost(referer: string | undefined): string | null {
  if (referer === undefined || referer === "") {
    return null;
  }
  try {
    const host = new URL(referer).hostname;
    return host === "" ? null : host;
  } catch {
    return null;
  }
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === "" ? null : value;
}
