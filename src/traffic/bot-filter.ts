/**
 * An entry of the User-Agent list that Elido's bot filtering drops before any click event
 * exists. A matched redirect is still served. Its click never reaches ingestion, analytics or
 * webhooks, and only the simulator's ground truth keeps it, flagged `bot: true`.
 */
export interface BotMatch {
  /** Name of the matched entry, e.g. `googlebot` or `empty-user-agent`. */
  readonly name: string;
  /** Family of the entry: search engine, link preview, monitor, security scanner or HTTP client. */
  readonly family: BotFamily;
}

export type BotFamily = "search" | "preview" | "monitor" | "security" | "client" | "empty";

interface BotPattern {
  readonly name: string;
  readonly family: BotFamily;
  readonly pattern: RegExp;
}

// Matched case-insensitively anywhere in the User-Agent, in this order; the first match names
// the bot. Entries follow Elido's published list (search engines, Slackbot, Twitterbot, uptime
// monitors, security crawlers, curl, wget and scripting libraries) plus common members of the
// same families.
const BOT_PATTERNS: readonly BotPattern[] = [
  {
    name: "googlebot",
    family: "search",
    pattern: /googlebot|adsbot-google|google-inspectiontool/i,
  },
  { name: "bingbot", family: "search", pattern: /bingbot|bingpreview|msnbot/i },
  { name: "yandexbot", family: "search", pattern: /yandex(bot|images)/i },
  { name: "baiduspider", family: "search", pattern: /baiduspider/i },
  { name: "duckduckbot", family: "search", pattern: /duckduckbot/i },
  { name: "applebot", family: "search", pattern: /applebot/i },
  { name: "slackbot", family: "preview", pattern: /slackbot|slack-imgproxy/i },
  { name: "twitterbot", family: "preview", pattern: /twitterbot/i },
  { name: "facebookexternalhit", family: "preview", pattern: /facebookexternalhit|facebot/i },
  { name: "linkedinbot", family: "preview", pattern: /linkedinbot/i },
  { name: "discordbot", family: "preview", pattern: /discordbot/i },
  { name: "telegrambot", family: "preview", pattern: /telegrambot/i },
  { name: "whatsapp", family: "preview", pattern: /whatsapp/i },
  { name: "uptimerobot", family: "monitor", pattern: /uptimerobot/i },
  { name: "pingdom", family: "monitor", pattern: /pingdom/i },
  { name: "statuscake", family: "monitor", pattern: /statuscake/i },
  { name: "site24x7", family: "monitor", pattern: /site24x7/i },
  { name: "datadog-synthetics", family: "monitor", pattern: /datadog/i },
  { name: "betteruptime", family: "monitor", pattern: /better ?uptime|betterstack/i },
  { name: "censys", family: "security", pattern: /censys/i },
  { name: "shodan", family: "security", pattern: /shodan/i },
  { name: "masscan", family: "security", pattern: /masscan/i },
  { name: "zgrab", family: "security", pattern: /zgrab/i },
  { name: "nmap", family: "security", pattern: /nmap/i },
  { name: "nuclei", family: "security", pattern: /nuclei/i },
  { name: "expanse", family: "security", pattern: /expanse/i },
  { name: "curl", family: "client", pattern: /^curl\/|\bcurl\//i },
  { name: "wget", family: "client", pattern: /\bwget\//i },
  {
    name: "python-requests",
    family: "client",
    pattern: /python-requests|python-urllib|aiohttp|httpx/i,
  },
  { name: "go-http-client", family: "client", pattern: /go-http-client/i },
  { name: "node-fetch", family: "client", pattern: /node-fetch|undici|^node$/i },
  { name: "axios", family: "client", pattern: /\baxios\//i },
  { name: "okhttp", family: "client", pattern: /okhttp/i },
  { name: "java", family: "client", pattern: /^java\/|apache-httpclient|jakarta/i },
  { name: "libwww-perl", family: "client", pattern: /libwww-perl|lwp::simple/i },
  { name: "ruby", family: "client", pattern: /^ruby$|faraday/i },
  { name: "php", family: "client", pattern: /guzzlehttp|^php\//i },
  // Last, so that a named bot wins: any self-declared crawler or spider.
  { name: "generic-crawler", family: "search", pattern: /\b(bot|crawler|spider)\b/i },
];

/**
 * Matches a User-Agent against the bot list. Returns the matched entry, or `undefined` for
 * traffic that counts as human (which the suspicion scorer may still flag).
 */
export function matchBot(userAgent: string | undefined): BotMatch | undefined {
  const text = userAgent?.trim() ?? "";
  if (text === "") {
    return { name: "empty-user-agent", family: "empty" };
  }
  for (const entry of BOT_PATTERNS) {
    if (entry.pattern.test(text)) {
      return { name: entry.name, family: entry.family };
    }
  }
  return undefined;
}

/** Names of every entry of the bot list, for documentation and the control API. */
export function botListNames(): string[] {
  return ["empty-user-agent", ...BOT_PATTERNS.map((entry) => entry.name)];
}
