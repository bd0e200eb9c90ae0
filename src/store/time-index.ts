import type { ClickIdColumn, CodeColumn, Float64Column } from "./chunked-columns.js";
import { SparseCounts } from "./sparse-counts.js";

/** Microseconds in one minute, the finest bucket of the index. */
export const US_PER_MINUTE = 60_000_000;
const MINUTES_PER_HOUR = 60;
const HOURS_PER_DAY = 24;

/** The columns the index reads: order keys and the attributes that it counts. */
export interface IndexedColumns {
  readonly occurredAtUs: Float64Column;
  readonly clickIds: ClickIdColumn;
  readonly links: CodeColumn;
  readonly countries: CodeColumn;
}

/** A place in the order of clicks, `occurred_at` then click id: the click at `position` itself is excluded from what follows. */
export interface ClickPosition {
  readonly occurredAtUs: number;
  /** 16 bytes of the click id. */
  readonly clickId: Uint8Array;
}

/**
 * Counts of a range. `links` and `countries` are indexed by dictionary code and only filled
 * when they are arrays; leave them `null` when only the total is needed.
 */
export interface Tally {
  total: number;
  readonly links: number[] | null;
  readonly countries: number[] | null;
}

/**
 * Clicks a minute holds before it keeps its own per-link and per-country counters. Below this,
 * reading the minute's clicks costs about as much as reading counters would, and a month of
 * sparse minutes saves their memory: about 600 bytes per minute.
 */
const MINUTE_COUNTERS_FROM = 64;

/** The visible clicks of one UTC minute, ordered by `occurred_at` then click id, with their counts. */
class MinuteBucket {
  readonly minute: number;
  ids = new Uint32Array(4);
  size = 0;
  /** Clicks per link code; `null` while the minute has fewer than `MINUTE_COUNTERS_FROM` clicks. */
  links: SparseCounts | null = null;
  /** Clicks per country code, kept like `links`. */
  countries: SparseCounts | null = null;

  constructor(minute: number) {
    this.minute = minute;
  }
}

/** Counts of one UTC hour or day. */
class RollupBucket {
  total = 0;
  readonly links = new SparseCounts();
  readonly countries = new SparseCounts();
}

/**
 * The visible clicks in time order, bucketed by UTC minute, with per-link and per-country
 * counters per minute, hour and day that are updated when a click becomes visible.
 *
 * A range query adds whole days, hours and minutes from the counters, and counts the clicks of
 * the cut minutes at either end from the sorted minute lists. Its cost therefore grows with the
 * number of buckets it spans rather than with the number of clicks, and its result is exact.
 */
export class TimeIndex {
  readonly #columns: IndexedColumns;
  readonly #minutes = new Map<number, MinuteBucket>();
  /** The same buckets as `#minutes`, ascending by minute, for walking a window in order. */
  readonly #sortedMinutes: MinuteBucket[] = [];
  readonly #hours = new Map<number, RollupBucket>();
  readonly #days = new Map<number, RollupBucket>();

  constructor(columns: IndexedColumns) {
    this.#columns = columns;
  }

  /** Adds the click in row `index` to the ordered lists and the counters. */
  insert(index: number): void {
    const columns = this.#columns;
    const minute = Math.floor(columns.occurredAtUs.get(index) / US_PER_MINUTE);
    const linkCode = columns.links.get(index);
    const countryCode = columns.countries.get(index);

    const bucket = this.#minuteBucket(minute);
    this.#insertSorted(bucket, index);
    if (bucket.links !== null && bucket.countries !== null) {
      bucket.links.increment(linkCode);
      bucket.countries.increment(countryCode);
    } else if (bucket.size >= MINUTE_COUNTERS_FROM) {
      this.#addMinuteCounters(bucket);
    }

    const hour = Math.floor(minute / MINUTES_PER_HOUR);
    for (const rollup of [
      rollupBucket(this.#hours, hour),
      rollupBucket(this.#days, Math.floor(hour / HOURS_PER_DAY)),
    ]) {
      rollup.total++;
      rollup.links.increment(linkCode);
      rollup.countries.increment(countryCode);
    }
  }

  /** Adds the visible clicks with `fromUs <= occurred_at < toUs` to `tally`. */
  tally(fromUs: number, toUs: number, tally: Tally): void {
    if (fromUs >= toUs) {
      return;
    }
    const firstWholeMinute = Math.ceil(fromUs / US_PER_MINUTE);
    const endWholeMinute = Math.floor(toUs / US_PER_MINUTE);
    if (firstWholeMinute > endWholeMinute) {
      this.#tallyPartMinute(endWholeMinute, fromUs, toUs, tally);
      return;
    }
    if (fromUs < firstWholeMinute * US_PER_MINUTE) {
      this.#tallyPartMinute(firstWholeMinute - 1, fromUs, firstWholeMinute * US_PER_MINUTE, tally);
    }
    this.#tallyMinutes(firstWholeMinute, endWholeMinute, tally);
    if (toUs > endWholeMinute * US_PER_MINUTE) {
      this.#tallyPartMinute(endWholeMinute, endWholeMinute * US_PER_MINUTE, toUs, tally);
    }
  }

  /**
   * Appends to `out` the rows of the visible clicks with `fromUs <= occurred_at < toUs` that
   * come after `after`, in order, up to `limit` rows. With `linkCode`, only clicks of that link
   * count. Returns true when at least one more such click follows the last row appended.
   */
  page(
    fromUs: number,
    toUs: number,
    after: ClickPosition | null,
    linkCode: number | null,
    limit: number,
    out: number[],
  ): boolean {
    const startUs = after === null ? fromUs : Math.max(fromUs, after.occurredAtUs);
    const startMinute = Math.floor(startUs / US_PER_MINUTE);
    const columns = this.#columns;
    const sorted = this.#sortedMinutes;
    let first = true;
    for (let position = this.#firstBucketFrom(startMinute); position < sorted.length; position++) {
      const bucket = sorted[position] as MinuteBucket;
      if (bucket.minute * US_PER_MINUTE >= toUs) {
        return false;
      }
      if (linkCode !== null && bucket.links !== null && bucket.links.get(linkCode) === 0) {
        first = false;
        continue;
      }
      let row = first ? this.#firstAfter(bucket, fromUs, after) : 0;
      first = false;
      for (; row < bucket.size; row++) {
        const index = bucket.ids[row] as number;
        if (columns.occurredAtUs.get(index) >= toUs) {
          return false;
        }
        if (linkCode !== null && columns.links.get(index) !== linkCode) {
          continue;
        }
        if (out.length === limit) {
          return true;
        }
        out.push(index);
      }
    }
    return false;
  }

  #addMinuteCounters(bucket: MinuteBucket): void {
    const links = new SparseCounts();
    const countries = new SparseCounts();
    for (let row = 0; row < bucket.size; row++) {
      const index = bucket.ids[row] as number;
      links.increment(this.#columns.links.get(index));
      countries.increment(this.#columns.countries.get(index));
    }
    bucket.links = links;
    bucket.countries = countries;
  }

  /** Adds a whole minute to `tally`, from its counters or, for a small minute, its clicks. */
  #tallyMinute(minute: number, tally: Tally): void {
    const bucket = this.#minutes.get(minute);
    if (bucket === undefined) {
      return;
    }
    if (bucket.links === null || bucket.countries === null) {
      this.#tallyRows(bucket, 0, bucket.size, tally);
      return;
    }
    tally.total += bucket.size;
    if (tally.links !== null) {
      bucket.links.addTo(tally.links);
    }
    if (tally.countries !== null) {
      bucket.countries.addTo(tally.countries);
    }
  }

  #minuteBucket(minute: number): MinuteBucket {
    let bucket = this.#minutes.get(minute);
    if (bucket === undefined) {
      bucket = new MinuteBucket(minute);
      this.#minutes.set(minute, bucket);
      // New minutes nearly always come last, so the search and splice are usually no-ops.
      this.#sortedMinutes.splice(this.#firstBucketFrom(minute), 0, bucket);
    }
    return bucket;
  }

  /** Returns the position in `#sortedMinutes` of the first bucket at or after `minute`. */
  #firstBucketFrom(minute: number): number {
    const sorted = this.#sortedMinutes;
    let low = 0;
    let high = sorted.length;
    if (high > 0 && (sorted[high - 1] as MinuteBucket).minute < minute) {
      return high;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] as MinuteBucket).minute < minute) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  #insertSorted(bucket: MinuteBucket, index: number): void {
    if (bucket.size === bucket.ids.length) {
      const grown = new Uint32Array(bucket.ids.length * 2);
      grown.set(bucket.ids);
      bucket.ids = grown;
    }
    const columns = this.#columns;
    const occurredAtUs = columns.occurredAtUs.get(index);
    const idChunk = columns.clickIds.chunkOf(index);
    const idOffset = columns.clickIds.byteOffset(index);
    // Clicks mostly become visible in order, so search from the end.
    let low = 0;
    let high = bucket.size;
    if (
      high > 0 &&
      this.#compare(bucket.ids[high - 1] as number, occurredAtUs, idChunk, idOffset) < 0
    ) {
      low = high;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(bucket.ids[middle] as number, occurredAtUs, idChunk, idOffset) < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    bucket.ids.copyWithin(low + 1, low, bucket.size);
    bucket.ids[low] = index;
    bucket.size++;
  }

  /** Compares the click in row `index` with the key (`occurredAtUs`, id bytes). */
  #compare(index: number, occurredAtUs: number, id: Uint8Array, idOffset: number): number {
    const difference = this.#columns.occurredAtUs.get(index) - occurredAtUs;
    if (difference !== 0) {
      return difference;
    }
    return this.#columns.clickIds.compare(index, id, idOffset);
  }

  /** Returns the first row of `bucket` at or after `fromUs` and strictly after `after`. */
  #firstAfter(bucket: MinuteBucket, fromUs: number, after: ClickPosition | null): number {
    let low = 0;
    let high = bucket.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const index = bucket.ids[middle] as number;
      const before =
        this.#columns.occurredAtUs.get(index) < fromUs ||
        (after !== null && this.#compare(index, after.occurredAtUs, after.clickId, 0) <= 0);
      if (before) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  /** Returns the first row of `bucket` whose click occurred at or after `us`. */
  #lowerBound(bucket: MinuteBucket, us: number): number {
    let low = 0;
    let high = bucket.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#columns.occurredAtUs.get(bucket.ids[middle] as number) < us) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  #tallyPartMinute(minute: number, fromUs: number, toUs: number, tally: Tally): void {
    const bucket = this.#minutes.get(minute);
    if (bucket === undefined) {
      return;
    }
    this.#tallyRows(
      bucket,
      this.#lowerBound(bucket, fromUs),
      this.#lowerBound(bucket, toUs),
      tally,
    );
  }

  /** Adds rows `[low, high)` of `bucket` to `tally`, reading each click's codes. */
  #tallyRows(bucket: MinuteBucket, low: number, high: number, tally: Tally): void {
    tally.total += high - low;
    const { links, countries } = tally;
    for (let row = low; row < high && (links !== null || countries !== null); row++) {
      const index = bucket.ids[row] as number;
      if (links !== null) {
        const code = this.#columns.links.get(index);
        links[code] = (links[code] ?? 0) + 1;
      }
      if (countries !== null) {
        const code = this.#columns.countries.get(index);
        countries[code] = (countries[code] ?? 0) + 1;
      }
    }
  }

  /** Tallies whole minutes `[first, end)`, using hour and day counters where they fit. */
  #tallyMinutes(first: number, end: number, tally: Tally): void {
    const firstHour = Math.ceil(first / MINUTES_PER_HOUR);
    const endHour = Math.floor(end / MINUTES_PER_HOUR);
    if (firstHour >= endHour) {
      for (let minute = first; minute < end; minute++) {
        this.#tallyMinute(minute, tally);
      }
      return;
    }
    for (let minute = first; minute < firstHour * MINUTES_PER_HOUR; minute++) {
      this.#tallyMinute(minute, tally);
    }
    this.#tallyHours(firstHour, endHour, tally);
    for (let minute = endHour * MINUTES_PER_HOUR; minute < end; minute++) {
      this.#tallyMinute(minute, tally);
    }
  }

  /** Tallies whole hours `[first, end)`, using day counters where they fit. */
  #tallyHours(first: number, end: number, tally: Tally): void {
    const firstDay = Math.ceil(first / HOURS_PER_DAY);
    const endDay = Math.floor(end / HOURS_PER_DAY);
    if (firstDay >= endDay) {
      for (let hour = first; hour < end; hour++) {
        addRollup(this.#hours.get(hour), tally);
      }
      return;
    }
    for (let hour = first; hour < firstDay * HOURS_PER_DAY; hour++) {
      addRollup(this.#hours.get(hour), tally);
    }
    // A window of decades has more days than there are days with clicks: walk the map then.
    if (endDay - firstDay > this.#days.size) {
      for (const [day, bucket] of this.#days) {
        if (day >= firstDay && day < endDay) {
          addRollup(bucket, tally);
        }
      }
    } else {
      for (let day = firstDay; day < endDay; day++) {
        addRollup(this.#days.get(day), tally);
      }
    }
    for (let hour = endDay * HOURS_PER_DAY; hour < end; hour++) {
      addRollup(this.#hours.get(hour), tally);
    }
  }
}

function rollupBucket(buckets: Map<number, RollupBucket>, key: number): RollupBucket {
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    bucket = new RollupBucket();
    buckets.set(key, bucket);
  }
  return bucket;
}

function addRollup(bucket: RollupBucket | undefined, tally: Tally): void {
  if (bucket === undefined) {
    return;
  }
  tally.total += bucket.total;
  if (tally.links !== null) {
    bucket.links.addTo(tally.links);
  }
  if (tally.countries !== null) {
    bucket.countries.addTo(tally.countries);
  }
}
