import { base, en, Faker } from "@faker-js/faker";
import { type Click, type Device, formatTimestampUs } from "../model/click.js";
import type { Random } from "../model/random.js";
import type { Link, Workspace } from "../model/workspace.js";
import type { ClickRow } from "../store/click-row.js";

/**
 * UTM values that a receiver must hash as raw bytes: Go's encoder escapes `&`, `<`, `>`, U+2028
 * and U+2029, so a receiver that re-serializes the parsed JSON computes a different HMAC.
 */
export const TRICKY_UTM_VALUES: readonly string[] = [
  "spring & summer",
  "<launch>",
  "q3 > q2",
  "line\u2028separator",
  "para\u2029separator",
  "Größe 👟 sale",
  "日本語キャンペーン",
  'quote " and \\ backslash',
];

/** Countries of most clicks, repeated by weight: Elido's EU base with the US and UK. */
export const COMMON_COUNTRIES: readonly string[] = ["DE", "DE", "FR", "NL", "US", "US", "GB"];

const BROWSERS = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet", "Opera"] as const;
const OPERATING_SYSTEMS = ["Windows", "macOS", "iOS", "Android", "Linux", "ChromeOS"] as const;
const DEVICES: readonly Device[] = ["desktop", "desktop", "mobile", "mobile", "mobile", "tablet"];
const UTM_SOURCES = ["newsletter", "twitter", "linkedin", "facebook", "google", "partner"];
const UTM_MEDIUMS = ["email", "social", "cpc", "referral", "display"];

export interface ClickFactoryOptions {
  /** Share of clicks, 0 to 1, whose `utm_campaign` is one of `TRICKY_UTM_VALUES`. Default: 0.05. */
  trickyShare?: number;
}

/**
 * Builds realistic clicks from value pools that faker fills once at construction. Clicks then
 * cost a few random draws each, because calling faker per click is far too slow for
 * millions of clicks.
 */
export class ClickFactory {
  readonly #random: Random;
  readonly #workspace: Workspace;
  readonly #trickyShare: number;
  readonly #referrers: readonly (string | null)[];
  readonly #countries: readonly (string | null)[];
  readonly #campaigns: readonly string[];
  readonly #contents: readonly string[];
  readonly #terms: readonly string[];

  constructor(workspace: Workspace, random: Random, options: ClickFactoryOptions = {}) {
    this.#random = random;
    this.#workspace = workspace;
    this.#trickyShare = options.trickyShare ?? 0.05;
    const faker = new Faker({ locale: [en, base], seed: random.int(0, 2 ** 31 - 1) });
    this.#referrers = [
      null,
      null,
      "www.google.com",
      "t.co",
      "www.linkedin.com",
      ...faker.helpers.multiple(() => faker.internet.domainName(), { count: 40 }),
    ];
    this.#countries = [
      null,
      ...COMMON_COUNTRIES,
      ...faker.helpers.multiple(() => faker.location.countryCode("alpha-2"), { count: 30 }),
    ];
    this.#campaigns = faker.helpers.multiple(
      () => faker.commerce.productAdjective().toLowerCase(),
      {
        count: 20,
      },
    );
    this.#contents = faker.helpers.multiple(() => faker.word.noun(), { count: 20 });
    this.#terms = faker.helpers.multiple(() => faker.word.words(2), { count: 20 });
  }

  /** Builds a human click on `link` that occurred at simulated epoch microseconds `occurredAtUs`. */
  create(link: Link, occurredAtUs: number): Click {
    const random = this.#random;
    const tricky = random.chance(this.#trickyShare);
    const tagged = tricky || random.chance(0.6);
    const campaign = tricky ? random.pick(TRICKY_UTM_VALUES) : random.pick(this.#campaigns);
    return {
      click_id: random.uuid(),
      link_id: link.link_id,
      workspace_id: this.#workspace.id,
      slug: link.slug,
      occurred_at: formatTimestampUs(occurredAtUs),
      country_code: random.pick(this.#countries),
      device: random.pick(DEVICES),
      browser: random.pick(BROWSERS),
      os: random.pick(OPERATING_SYSTEMS),
      referrer_host: random.pick(this.#referrers),
      utm_source: tagged ? random.pick(UTM_SOURCES) : null,
      utm_medium: tagged ? random.pick(UTM_MEDIUMS) : null,
      utm_campaign: tagged ? campaign : null,
      utm_content: tagged && random.chance(0.3) ? random.pick(this.#contents) : null,
      utm_term: tagged && random.chance(0.2) ? random.pick(this.#terms) : null,
      suspected_bot: false,
    };
  }

  /**
   * Draws a human click on `link` into `row`, with the distributions of `create` but without
   * building strings, for loading millions of clicks. The click id is a UUID v4 written as
   * bytes. The random draws differ from `create`'s, so the same seed gives other clicks.
   */
  fillRow(link: Link, row: ClickRow): void {
    const random = this.#random;
    const id = row.clickId;
    for (let word = 0; word < 4; word++) {
      const value = random.int(0, 0xffff_ffff);
      id[word * 4] = value >>> 24;
      id[word * 4 + 1] = (value >>> 16) & 0xff;
      id[word * 4 + 2] = (value >>> 8) & 0xff;
      id[word * 4 + 3] = value & 0xff;
    }
    // Version 4 and the RFC 9562 variant, as in `Random.uuid`.
    id[6] = ((id[6] as number) & 0x0f) | 0x40;
    id[8] = ((id[8] as number) & 0x3f) | 0x80;

    const tricky = random.chance(this.#trickyShare);
    const tagged = tricky || random.chance(0.6);
    row.linkId = link.link_id;
    row.slug = link.slug;
    row.countryCode = random.pick(this.#countries);
    row.device = random.pick(DEVICES);
    row.browser = random.pick(BROWSERS);
    row.os = random.pick(OPERATING_SYSTEMS);
    row.referrerHost = random.pick(this.#referrers);
    row.utmSource = tagged ? random.pick(UTM_SOURCES) : null;
    row.utmMedium = tagged ? random.pick(UTM_MEDIUMS) : null;
    row.utmCampaign = tagged
      ? tricky
        ? random.pick(TRICKY_UTM_VALUES)
        : random.pick(this.#campaigns)
      : null;
    row.utmContent = tagged && random.chance(0.3) ? random.pick(this.#contents) : null;
    row.utmTerm = tagged && random.chance(0.2) ? random.pick(this.#terms) : null;
    row.suspectedBot = false;
  }
}
