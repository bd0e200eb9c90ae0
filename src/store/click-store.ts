import type { Click, Device } from "../model/click.js";
import { ClickIdColumn, CodeColumn, Float64Column } from "./chunked-columns.js";
import { ClickJsonCache } from "./click-json-cache.js";
import { type ClickRow, createClickRow, formatUuid, parseUuid } from "./click-row.js";
import { Dictionary } from "./dictionary.js";
import { JsonWriter, utf8 } from "./json-writer.js";
import { type ClickPosition, type Tally, TimeIndex } from "./time-index.js";

const FLAG_SUSPECTED_BOT = 1;
const FLAG_VISIBLE = 2;

/** The attributes written after `occurred_at`, in the field order of `Click`, with their JSON keys. */
const TRAILING_FIELDS = [
  ["country", "country_code"],
  ["device", "device"],
  ["browser", "browser"],
  ["os", "os"],
  ["referrer", "referrer_host"],
  ["utmSource", "utm_source"],
  ["utmMedium", "utm_medium"],
  ["utmCampaign", "utm_campaign"],
  ["utmContent", "utm_content"],
  ["utmTerm", "utm_term"],
] as const;

/** `0`..`f` as character codes, two per byte value: the hex digits of a click id. */
const HEX_CODES = (() => {
  const codes = new Uint8Array(512);
  for (let byte = 0; byte < 256; byte++) {
    const text = byte.toString(16).padStart(2, "0");
    codes[byte * 2] = text.charCodeAt(0);
    codes[byte * 2 + 1] = text.charCodeAt(1);
  }
  return codes;
})();
const CLICK_ID_OPENING = utf8('{"click_id":"');
const SUSPECTED_BOT_CLOSING = [utf8(',"suspected_bot":false}'), utf8(',"suspected_bot":true}')];
const COMMA = 0x2c;
const QUOTE = 0x22;
const HYPHEN = 0x2d;
const PERIOD = 0x2e;
const LETTER_Z = 0x5a;

export interface ClickStoreOptions {
  /**
   * Bound on the memory of the encoded JSON that pages reuse, bytes. Default: 16 MiB, about
   * 42,000 clicks of 390 bytes. 0 keeps nothing, so every page encodes its clicks. Encoding
   * also keeps one scratch buffer of the largest segment encoded, about 100 KB.
   *
   * At 10 million clicks of `bench/store.ts` the store took 46.0 bytes per click with the
   * cache empty and 47.7 with the default cache full (measured on Node 20).
   */
  readonly jsonCacheBytes?: number;
}

/** Totals of a range of visible clicks. */
export interface RangeTotals {
  readonly clicks: number;
  /** Clicks per `link_id`, only links with clicks. */
  readonly links: ReadonlyMap<number, number>;
  /** Clicks per `country_code`, only countries with clicks; `null` is clicks without a country. */
  readonly countries: ReadonlyMap<string | null, number>;
}

/**
 * The human clicks of one workspace that the analytics API serves, stored column by column.
 *
 * A click is appended when it happens at the edge and becomes visible when ingestion has
 * processed it (`markVisible`), which may be late and out of `occurred_at` order. Only visible
 * clicks are listed or counted. Each click takes about 40 bytes: 16 for the id, 8 for the time,
 * one dictionary code per attribute (one byte while an attribute has at most 256 distinct
 * values), a flag byte, and about 5 bytes in the time index once visible (4 per id plus
 * spare capacity). Pages also keep the JSON of recently listed clicks, up to
 * `ClickStoreOptions.jsonCacheBytes` in all.
 */
export class ClickStore {
  readonly workspaceId: number;
  readonly #clickIds = new ClickIdColumn();
  readonly #occurredAtUs = new Float64Column();
  readonly #flags = new CodeColumn();
  readonly #attributes = {
    link: new CodeColumn(),
    country: new CodeColumn(),
    device: new CodeColumn(),
    browser: new CodeColumn(),
    os: new CodeColumn(),
    referrer: new CodeColumn(),
    utmSource: new CodeColumn(),
    utmMedium: new CodeColumn(),
    utmCampaign: new CodeColumn(),
    utmContent: new CodeColumn(),
    utmTerm: new CodeColumn(),
  };
  readonly #dictionaries = {
    link: new Dictionary<number>(),
    country: new Dictionary<string | null>(),
    device: new Dictionary<Device>(),
    browser: new Dictionary<string>(),
    os: new Dictionary<string>(),
    referrer: new Dictionary<string | null>(),
    utmSource: new Dictionary<string | null>(),
    utmMedium: new Dictionary<string | null>(),
    utmCampaign: new Dictionary<string | null>(),
    utmContent: new Dictionary<string | null>(),
    utmTerm: new Dictionary<string | null>(),
  };
  /** Slug per link code. */
  readonly #slugs: string[] = [];
  /** UTF-8 JSON from the closing quote of `click_id` to the opening quote of `occurred_at`, per link code. */
  readonly #linkJson: Uint8Array[] = [];
  /**
   * UTF-8 JSON of each attribute after `occurred_at`, comma and key included (such as
   * `,"country_code":"DE"`), per dictionary code; filled when a code is first written.
   */
  readonly #fieldJson: Uint8Array[][] = TRAILING_FIELDS.map(() => []);
  /** The columns of `TRAILING_FIELDS`, in the same order. */
  readonly #trailingColumns: CodeColumn[];
  readonly #index: TimeIndex;
  readonly #scratchRow = createClickRow();
  #size = 0;
  #visibleCount = 0;
  // The `occurred_at` text up to the seconds of the last minute written, as text and as bytes:
  // pages list clicks in time order, so neighbours usually share it.
  #cachedMinute = Number.NaN;
  #cachedMinuteText = "";
  #cachedMinuteBytes: Uint8Array = new Uint8Array(0);
  readonly #jsonWriter = new JsonWriter();
  readonly #jsonCache: ClickJsonCache;

  constructor(workspaceId: number, options: ClickStoreOptions = {}) {
    this.workspaceId = workspaceId;
    this.#jsonCache = new ClickJsonCache({
      encode: (row, writer) => this.writeJson(row, writer),
      rowCount: () => this.#size,
      maxBytes: options.jsonCacheBytes,
    });
    this.#trailingColumns = TRAILING_FIELDS.map(([attribute]) => this.#attributes[attribute]);
    this.#index = new TimeIndex({
      occurredAtUs: this.#occurredAtUs,
      clickIds: this.#clickIds,
      links: this.#attributes.link,
      countries: this.#attributes.country,
    });
  }

  /** Number of clicks appended, visible or not. */
  get size(): number {
    return this.#size;
  }

  /** Number of clicks visible to the API. */
  get visibleCount(): number {
    return this.#visibleCount;
  }

  /**
   * Appends a click that occurred at simulated epoch microseconds `occurredAtUs`, not yet
   * visible, and returns its row index for `markVisible`.
   */
  append(click: Click, occurredAtUs: number): number {
    if (click.workspace_id !== this.workspaceId) {
      throw new RangeError(
        `Cannot store a click of workspace ${click.workspace_id} in the store of workspace ${this.workspaceId}.`,
      );
    }
    const row = this.#scratchRow;
    parseUuid(click.click_id, row.clickId);
    row.linkId = click.link_id;
    row.slug = click.slug;
    row.countryCode = click.country_code;
    row.device = click.device;
    row.browser = click.browser;
    row.os = click.os;
    row.referrerHost = click.referrer_host;
    row.utmSource = click.utm_source;
    row.utmMedium = click.utm_medium;
    row.utmCampaign = click.utm_campaign;
    row.utmContent = click.utm_content;
    row.utmTerm = click.utm_term;
    row.suspectedBot = click.suspected_bot;
    return this.appendRow(row, occurredAtUs);
  }

  /** Appends a click given as column values; the fast path for loading millions of clicks. */
  appendRow(row: ClickRow, occurredAtUs: number): number {
    if (!Number.isSafeInteger(occurredAtUs) || occurredAtUs < 0) {
      throw new RangeError(
        `Invalid occurredAtUs ${occurredAtUs}: expected a non-negative integer of epoch microseconds.`,
      );
    }
    const index = this.#size;
    const columns = this.#attributes;
    const dictionaries = this.#dictionaries;
    this.#clickIds.set(index, row.clickId);
    this.#occurredAtUs.set(index, occurredAtUs);
    this.#flags.set(index, row.suspectedBot ? FLAG_SUSPECTED_BOT : 0);
    columns.link.set(index, this.#encodeLink(row.linkId, row.slug));
    columns.country.set(index, dictionaries.country.encode(row.countryCode));
    columns.device.set(index, dictionaries.device.encode(row.device));
    columns.browser.set(index, dictionaries.browser.encode(row.browser));
    columns.os.set(index, dictionaries.os.encode(row.os));
    columns.referrer.set(index, dictionaries.referrer.encode(row.referrerHost));
    columns.utmSource.set(index, dictionaries.utmSource.encode(row.utmSource));
    columns.utmMedium.set(index, dictionaries.utmMedium.encode(row.utmMedium));
    columns.utmCampaign.set(index, dictionaries.utmCampaign.encode(row.utmCampaign));
    columns.utmContent.set(index, dictionaries.utmContent.encode(row.utmContent));
    columns.utmTerm.set(index, dictionaries.utmTerm.encode(row.utmTerm));
    this.#size++;
    return index;
  }

  /** Makes the click in row `index` visible to the API; a second call changes nothing. */
  markVisible(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#size) {
      throw new RangeError(`No click at row ${index}: the store has ${this.#size} rows.`);
    }
    const flags = this.#flags.get(index);
    if ((flags & FLAG_VISIBLE) !== 0) {
      return;
    }
    this.#flags.set(index, flags | FLAG_VISIBLE);
    this.#index.insert(index);
    this.#visibleCount++;
  }

  isVisible(index: number): boolean {
    return (this.#flags.get(index) & FLAG_VISIBLE) !== 0;
  }

  /** Returns the dictionary code of `linkId`, or `undefined` when no click has that link. */
  linkCode(linkId: number): number | undefined {
    return this.#dictionaries.link.lookup(linkId);
  }

  /**
   * Returns the rows of up to `limit` visible clicks with `fromUs <= occurred_at < toUs` after
   * `after`, in `occurred_at` then click id order, and whether more follow.
   */
  page(
    fromUs: number,
    toUs: number,
    after: ClickPosition | null,
    linkCode: number | null,
    limit: number,
  ): { rows: number[]; more: boolean } {
    const rows: number[] = [];
    const more = this.#index.page(fromUs, toUs, after, linkCode, limit, rows);
    return { rows, more };
  }

  /** Counts the visible clicks with `fromUs <= occurred_at < toUs`. */
  count(fromUs: number, toUs: number): number {
    const tally: Tally = { total: 0, links: null, countries: null };
    this.#index.tally(fromUs, toUs, tally);
    return tally.total;
  }

  /** Counts the visible clicks with `fromUs <= occurred_at < toUs`, in total, per link and per country. */
  totals(fromUs: number, toUs: number): RangeTotals {
    const tally: Tally = { total: 0, links: [], countries: [] };
    this.#index.tally(fromUs, toUs, tally);
    return {
      clicks: tally.total,
      links: decodeCounts(tally.links ?? [], this.#dictionaries.link),
      countries: decodeCounts(tally.countries ?? [], this.#dictionaries.country),
    };
  }

  occurredAtUs(index: number): number {
    return this.#occurredAtUs.get(index);
  }

  clickId(index: number): string {
    return formatUuid(this.#clickIds.chunkOf(index), this.#clickIds.byteOffset(index));
  }

  /** Returns the order key of row `index`, for a cursor that continues after it. */
  position(index: number): ClickPosition {
    const offset = this.#clickIds.byteOffset(index);
    return {
      occurredAtUs: this.#occurredAtUs.get(index),
      clickId: this.#clickIds.chunkOf(index).slice(offset, offset + 16),
    };
  }

  /**
   * Returns the click of row `index` as the JSON text of the API, with the fields in the
   * order of `Click`. Pages use `writeJson`, which this wraps.
   */
  toJson(index: number): string {
    const writer = this.#jsonWriter;
    writer.reset();
    this.writeJson(index, writer);
    return writer.toString();
  }

  /**
   * Appends the click of row `index` to `writer` as UTF-8 JSON, with the fields in the order
   * of `Click`. It copies precomputed bytes per dictionary code and writes the id and time
   * digit by digit, so no string or object is built per click.
   */
  writeJson(index: number, writer: JsonWriter): void {
    const codes = this.#attributes;
    writer.bytes(CLICK_ID_OPENING);
    this.writeClickId(index, writer);
    writer.bytes(this.#linkJson[codes.link.get(index)] as Uint8Array);
    this.#writeOccurredAt(this.#occurredAtUs.get(index), writer);
    const columns = this.#trailingColumns;
    for (let field = 0; field < columns.length; field++) {
      const code = (columns[field] as CodeColumn).get(index);
      const fragment =
        (this.#fieldJson[field] as Uint8Array[])[code] ?? this.#cacheFieldJson(field, code);
      writer.bytes(fragment);
    }
    const suspected = this.#flags.get(index) & FLAG_SUSPECTED_BOT;
    writer.bytes(SUSPECTED_BOT_CLOSING[suspected] as Uint8Array);
  }

  /**
   * Appends the clicks of `rows` to `writer` as JSON separated by commas, as `writeJson` writes
   * each. The JSON comes from the store's cache of encoded clicks, so rows that follow each
   * other in the store copy as one range.
   */
  writeClicks(rows: readonly number[], writer: JsonWriter): void {
    const cache = this.#jsonCache;
    let position = 0;
    while (position < rows.length) {
      const row = rows[position] as number;
      const segment = cache.segment(row);
      const { bytes, starts } = segment;
      const first = row - segment.firstRow;
      let last = first;
      let next = position + 1;
      while (
        next < rows.length &&
        rows[next] === row + next - position &&
        last + 1 < segment.rows
      ) {
        last++;
        next++;
      }
      if (position > 0) {
        writer.byte(COMMA);
      }
      // The range ends before the comma that follows the JSON of row `last`.
      writer.range(bytes, starts[first] as number, (starts[last + 1] as number) - 1);
      position = next;
    }
  }

  /** Bytes in the cache of encoded JSON, within `ClickStoreOptions.jsonCacheBytes`. */
  get jsonCacheBytes(): number {
    return this.#jsonCache.bytes;
  }

  /** Returns the click of row `index` as an object. */
  toClick(index: number): Click {
    const codes = this.#attributes;
    const values = this.#dictionaries;
    const linkCode = codes.link.get(index);
    return {
      click_id: this.clickId(index),
      link_id: values.link.value(linkCode),
      workspace_id: this.workspaceId,
      slug: this.#slugs[linkCode] as string,
      occurred_at: this.#formatOccurredAt(this.#occurredAtUs.get(index)),
      country_code: values.country.value(codes.country.get(index)),
      device: values.device.value(codes.device.get(index)),
      browser: values.browser.value(codes.browser.get(index)),
      os: values.os.value(codes.os.get(index)),
      referrer_host: values.referrer.value(codes.referrer.get(index)),
      utm_source: values.utmSource.value(codes.utmSource.get(index)),
      utm_medium: values.utmMedium.value(codes.utmMedium.get(index)),
      utm_campaign: values.utmCampaign.value(codes.utmCampaign.get(index)),
      utm_content: values.utmContent.value(codes.utmContent.get(index)),
      utm_term: values.utmTerm.value(codes.utmTerm.get(index)),
      suspected_bot: (this.#flags.get(index) & FLAG_SUSPECTED_BOT) !== 0,
    };
  }

  #encodeLink(linkId: number, slug: string): number {
    const dictionary = this.#dictionaries.link;
    const known = dictionary.lookup(linkId);
    if (known !== undefined) {
      return known;
    }
    const code = dictionary.encode(linkId);
    this.#slugs[code] = slug;
    this.#linkJson[code] = utf8(
      `","link_id":${JSON.stringify(linkId)},"workspace_id":${this.workspaceId}` +
        `,"slug":${JSON.stringify(slug)},"occurred_at":"`,
    );
    return code;
  }

  #cacheFieldJson(field: number, code: number): Uint8Array {
    const [attribute, key] = TRAILING_FIELDS[field] as (typeof TRAILING_FIELDS)[number];
    const fragment = utf8(`,"${key}":${this.#dictionaries[attribute].json(code)}`);
    (this.#fieldJson[field] as Uint8Array[])[code] = fragment;
    return fragment;
  }

  /** Appends the id of row `index` to `writer` as a lowercase hyphenated UUID, 36 bytes. */
  writeClickId(index: number, writer: JsonWriter): void {
    const ids = this.#clickIds;
    const chunk = ids.chunkOf(index);
    const offset = ids.byteOffset(index);
    const target = writer.reserve(36);
    let position = writer.length;
    for (let byte = 0; byte < 16; byte++) {
      if (byte === 4 || byte === 6 || byte === 8 || byte === 10) {
        target[position++] = HYPHEN;
      }
      const hex = (chunk[offset + byte] as number) * 2;
      target[position++] = HEX_CODES[hex] as number;
      target[position++] = HEX_CODES[hex + 1] as number;
    }
    writer.advance(36);
  }

  /** Writes `occurred_at` and its closing quote, as `#formatOccurredAt` formats it. */
  #writeOccurredAt(epochUs: number, writer: JsonWriter): void {
    const minute = Math.floor(epochUs / 60_000_000);
    if (minute !== this.#cachedMinute) {
      this.#cacheMinute(minute);
    }
    const inMinuteUs = epochUs - minute * 60_000_000;
    const second = Math.floor(inMinuteUs / 1_000_000);
    writer.bytes(this.#cachedMinuteBytes);
    writer.digits(second, 2);
    writer.byte(PERIOD);
    writer.digits(inMinuteUs - second * 1_000_000, 6);
    writer.byte(LETTER_Z);
    writer.byte(QUOTE);
  }

  #cacheMinute(minute: number): void {
    this.#cachedMinute = minute;
    // `YYYY-MM-DDTHH:MM:`, the first 17 characters of the ISO form.
    this.#cachedMinuteText = new Date(minute * 60_000).toISOString().slice(0, 17);
    this.#cachedMinuteBytes = utf8(this.#cachedMinuteText);
  }

  /** Formats epoch microseconds as RFC 3339 UTC with six fractional digits. */
  #formatOccurredAt(epochUs: number): string {
    const minute = Math.floor(epochUs / 60_000_000);
    if (minute !== this.#cachedMinute) {
      this.#cacheMinute(minute);
    }
    const inMinuteUs = epochUs - minute * 60_000_000;
    const second = Math.floor(inMinuteUs / 1_000_000);
    const micros = inMinuteUs - second * 1_000_000;
    return `${this.#cachedMinuteText}${String(second).padStart(2, "0")}.${String(micros).padStart(6, "0")}Z`;
  }
}

function decodeCounts<T extends string | number | null>(
  counts: readonly number[],
  dictionary: Dictionary<T>,
): Map<T, number> {
  const decoded = new Map<T, number>();
  counts.forEach((count, code) => {
    if (count > 0) {
      decoded.set(dictionary.value(code), count);
    }
  });
  return decoded;
}
