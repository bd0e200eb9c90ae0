import type { ClickIdColumn, CodeColumn, Float64Column } from "./chunked-columns.js";
import { SparseCounts } from "./sparse-counts.js";

/** Microseconds in one minute, the finest bucket of the index. */
export const US_PER_MINUTE = 60_000_000;
const MINUTES_PER_HOUR = 60;
const US_PER_HOUR = US_PER_MINUTE * MINUTES_PER_HOUR;
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

/** Counts of one UTC hour or day. */
class RollupBucket {
  total = 0;
  readonly links = new SparseCounts();
  readonly countries = new SparseCounts();
}

/** Per-link and per-country counts of one minute with at least `MINUTE_COUNTERS_FROM` clicks. */
interface MinuteCounters {
  readonly links: SparseCounts;
  readonly countries: SparseCounts;
}

/**
 * The visible clicks of one UTC hour, ordered by `occurred_at` then click id, with the hour's
 * counts. The hour's minutes are consecutive runs of `ids`, so one array per hour replaces one
 * per minute. A typed array costs about 250 bytes besides its elements (an estimate from heap
 * growth on Node 20), more than the ids of a minute at a million clicks a month.
 */
class HourBlock extends RollupBucket {
  readonly hour: number;
  ids = new Uint32Array(16);
  /** `minuteEnds[m]` is the end, exclusive, of minute `m` of the hour in `ids`. */
  readonly minuteEnds = new Uint32Array(MINUTES_PER_HOUR);

  constructor(hour: number) {
    super();
    this.hour = hour;
  }

  /** Returns the start of minute `minuteOfHour` in `ids`. */
  minuteStart(minuteOfHour: number): number {
    return minuteOfHour === 0 ? 0 : (this.minuteEnds[minuteOfHour - 1] as number);
  }
}

/**
 * The visible clicks in time order, in one sorted array per UTC hour, with per-link and
 * per-country counters per hour and day, and per minute once a minute has
 * `MINUTE_COUNTERS_FROM` clicks, all updated when a click becomes visible.
 *
 * A range query adds whole days, hours and minutes from the counters, and counts the clicks of
 * small minutes and of the cut minutes at either end from the sorted lists. Its cost therefore
 * grows with the number of buckets it spans rather than with the number of clicks, and its
 * result is exact.
 */
export class TimeIndex {
  readonly #columns: IndexedColumns;
  readonly #hours = new Map<number, HourBlock>();
  /** The same blocks as `#hours`, ascending by hour, for walking a window in order. */
  readonly #sortedHours: HourBlock[] = [];
  readonly #minuteCounters = new Map<number, MinuteCounters>();
  readonly #days = new Map<number, RollupBucket>();

  constructor(columns: IndexedColumns) {
    this.#columns = columns;
  }

  /** Adds the click in row `index` to the ordered lists and the counters. */
  insert(index: number): void {
    const columns = this.#columns;
    const minute = Math.floor(columns.occurredAtUs.get(index) / US_PER_MINUTE);
    const hour = Math.floor(minute / MINUTES_PER_HOUR);
    const minuteOfHour = minute - hour * MINUTES_PER_HOUR;
    const linkCode = columns.links.get(index);
    const countryCode = columns.countries.get(index);

    const block = this.#hourBlock(hour);
    this.#insertSorted(block, index);
    const minuteEnds = block.minuteEnds;
    for (let later = minuteOfHour; later < MINUTES_PER_HOUR; later++) {
      (minuteEnds[later] as number)++;
    }
    const counters = this.#minuteCounters.get(minute);
    if (counters !== undefined) {
      counters.links.increment(linkCode);
      counters.countries.increment(countryCode);
    } else if (
      (minuteEnds[minuteOfHour] as number) - block.minuteStart(minuteOfHour) >=
      MINUTE_COUNTERS_FROM
    ) {
      this.#addMinuteCounters(block, minute, minuteOfHour);
    }

    for (const rollup of [block, rollupBucket(this.#days, Math.floor(hour / HOURS_PER_DAY))]) {
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
    const startHour = Math.floor(startUs / US_PER_HOUR);
    const columns = this.#columns;
    const sorted = this.#sortedHours;
    let first = true;
    for (let position = this.#firstBlockFrom(startHour); position < sorted.length; position++) {
      const block = sorted[position] as HourBlock;
      if (block.hour * US_PER_HOUR >= toUs) {
        return false;
      }
      if (linkCode !== null && block.links.get(linkCode) === 0) {
        first = false;
        continue;
      }
      // Blocks after the first start after `startUs`, so after `fromUs` and `after` too.
      let row = first ? this.#firstAfter(block, fromUs, after) : 0;
      first = false;
      const ids = block.ids;
      for (; row < block.total; row++) {
        const index = ids[row] as number;
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

  #addMinuteCounters(block: HourBlock, minute: number, minuteOfHour: number): void {
    const links = new SparseCounts();
    const countries = new SparseCounts();
    const end = block.minuteEnds[minuteOfHour] as number;
    for (let row = block.minuteStart(minuteOfHour); row < end; row++) {
      const index = block.ids[row] as number;
      links.increment(this.#columns.links.get(index));
      countries.increment(this.#columns.countries.get(index));
    }
    this.#minuteCounters.set(minute, { links, countries });
  }

  /** Adds a whole minute to `tally`, from its counters or, for a small minute, its clicks. */
  #tallyMinute(minute: number, tally: Tally): void {
    const hour = Math.floor(minute / MINUTES_PER_HOUR);
    const block = this.#hours.get(hour);
    if (block === undefined) {
      return;
    }
    const counters = this.#minuteCounters.get(minute);
    const minuteOfHour = minute - hour * MINUTES_PER_HOUR;
    const start = block.minuteStart(minuteOfHour);
    const end = block.minuteEnds[minuteOfHour] as number;
    if (counters === undefined) {
      this.#tallyRows(block, start, end, tally);
      return;
    }
    tally.total += end - start;
    if (tally.links !== null) {
      counters.links.addTo(tally.links);
    }
    if (tally.countries !== null) {
      counters.countries.addTo(tally.countries);
    }
  }

  #hourBlock(hour: number): HourBlock {
    let block = this.#hours.get(hour);
    if (block === undefined) {
      block = new HourBlock(hour);
      this.#hours.set(hour, block);
      // New hours nearly always come last, so the search and splice are usually no-ops.
      const position = this.#firstBlockFrom(hour);
      this.#sortedHours.splice(position, 0, block);
      // The hour two before the new one rarely gets more clicks, so it gives back the spare
      // capacity of its growth. A late click makes it grow again.
      const settled = this.#sortedHours[position - 2];
      if (settled !== undefined) {
        trimIds(settled);
      }
    }
    return block;
  }

  /** Returns the position in `#sortedHours` of the first block at or after `hour`. */
  #firstBlockFrom(hour: number): number {
    const sorted = this.#sortedHours;
    let low = 0;
    let high = sorted.length;
    if (high > 0 && (sorted[high - 1] as HourBlock).hour < hour) {
      return high;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((sorted[middle] as HourBlock).hour < hour) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }

  #insertSorted(block: HourBlock, index: number): void {
    const size = block.total;
    if (size === block.ids.length) {
      // Growing by half, not doubling, keeps the spare capacity of a full hour near a quarter.
      const grown = new Uint32Array(size + (size >>> 1) + 16);
      grown.set(block.ids);
      block.ids = grown;
    }
    const columns = this.#columns;
    const occurredAtUs = columns.occurredAtUs.get(index);
    const idChunk = columns.clickIds.chunkOf(index);
    const idOffset = columns.clickIds.byteOffset(index);
    // Clicks mostly become visible in order, so search from the end.
    let low = 0;
    let high = size;
    if (
      high > 0 &&
      this.#compare(block.ids[high - 1] as number, occurredAtUs, idChunk, idOffset) < 0
    ) {
      low = high;
    }
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(block.ids[middle] as number, occurredAtUs, idChunk, idOffset) < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    block.ids.copyWithin(low + 1, low, size);
    block.ids[low] = index;
  }

  /** Compares the click in row `index` with the key (`occurredAtUs`, id bytes). */
  #compare(index: number, occurredAtUs: number, id: Uint8Array, idOffset: number): number {
    const difference = this.#columns.occurredAtUs.get(index) - occurredAtUs;
    if (difference !== 0) {
      return difference;
    }
    return this.#columns.clickIds.compare(index, id, idOffset);
  }

  /** Returns the first row of `block` at or after `fromUs` and strictly after `after`. */
  #firstAfter(block: HourBlock, fromUs: number, after: ClickPosition | null): number {
    let low = 0;
    let high = block.total;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const index = block.ids[middle] as number;
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

  /** Returns the first row in `[low, high)` of `block` whose click occurred at or after `us`. */
  #lowerBound(block: HourBlock, low: number, high: number, us: number): number {
    let start = low;
    let end = high;
    while (start < end) {
      const middle = (start + end) >>> 1;
      if (this.#columns.occurredAtUs.get(block.ids[middle] as number) < us) {
        start = middle + 1;
      } else {
        end = middle;
      }
    }
    return start;
  }

  #tallyPartMinute(minute: number, fromUs: number, toUs: number, tally: Tally): void {
    const hour = Math.floor(minute / MINUTES_PER_HOUR);
    const block = this.#hours.get(hour);
    if (block === undefined) {
      return;
    }
    const minuteOfHour = minute - hour * MINUTES_PER_HOUR;
    const start = block.minuteStart(minuteOfHour);
    const end = block.minuteEnds[minuteOfHour] as number;
    this.#tallyRows(
      block,
      this.#lowerBound(block, start, end, fromUs),
      this.#lowerBound(block, start, end, toUs),
      tally,
    );
  }

  /** Adds rows `[low, high)` of `block` to `tally`, reading each click's codes. */
  #tallyRows(block: HourBlock, low: number, high: number, tally: Tally): void {
    tally.total += high - low;
    const { links, countries } = tally;
    for (let row = low; row < high && (links !== null || countries !== null); row++) {
      const index = block.ids[row] as number;
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

/** Shrinks the id array of `block` to its clicks and a little room for late ones. */
function trimIds(block: HourBlock): void {
  const capacity = block.total + 16;
  if (block.ids.length > capacity) {
    block.ids = block.ids.slice(0, capacity);
  }
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
