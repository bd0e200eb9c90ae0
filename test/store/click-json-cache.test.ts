import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Click } from "../../src/model/click.js";
import { Random } from "../../src/model/random.js";
import type { Link } from "../../src/model/workspace.js";
import { ClickJsonCache, SEGMENT_ROWS } from "../../src/store/click-json-cache.js";
import { ClickStore } from "../../src/store/click-store.js";
import { JsonWriter } from "../../src/store/json-writer.js";
import { PageClickIds } from "../../src/store/page-click-ids.js";
import type { ClickPosition } from "../../src/store/time-index.js";
import { ClickFactory } from "../../src/traffic/click-factory.js";
import { byListingOrder, STORE_WORKSPACE as WORKSPACE } from "./store-fixtures.js";

const HOUR_US = 3_600_000_000;
const BASE_US = Date.parse("2026-05-15T22:00:00Z") * 1_000;

interface Stored {
  row: number;
  click: Click;
  occurredAtUs: number;
}

/** Appends `times.length` clicks with tricky strings, none visible yet. */
function appendClicks(
  store: ClickStore,
  factory: ClickFactory,
  times: readonly number[],
): Stored[] {
  return times.map((occurredAtUs, index) => {
    const click = factory.create(WORKSPACE.links[index % 2] as Link, occurredAtUs);
    return { row: store.append(click, occurredAtUs), click, occurredAtUs };
  });
}

interface Walk {
  /** The JSON of each page's items, without the brackets. */
  pages: string[];
  /** Click ids of all pages, in order. */
  clickIds: string[];
  /** The largest `jsonCacheBytes` seen after a page. */
  maxCacheBytes: number;
}

/** Walks every page of `[fromUs, toUs)` as `clicks/recent` writes them. */
function walkPages(
  store: ClickStore,
  fromUs: number,
  toUs: number,
  linkCode: number | null,
  limit: number,
): Walk {
  const writer = new JsonWriter();
  const walk: Walk = { pages: [], clickIds: [], maxCacheBytes: 0 };
  let after: ClickPosition | null = null;
  for (;;) {
    const { rows, more } = store.page(fromUs, toUs, after, linkCode, limit);
    writer.reset();
    store.writeClicks(rows, writer);
    walk.pages.push(writer.toString());
    const packed = new PageClickIds(store, rows).packedClickIds();
    for (let offset = 0; offset < packed.length; offset += 36) {
      walk.clickIds.push(packed.slice(offset, offset + 36));
    }
    walk.maxCacheBytes = Math.max(walk.maxCacheBytes, store.jsonCacheBytes);
    if (!more) {
      return walk;
    }
    after = store.position(rows[rows.length - 1] as number);
  }
}

/** The pages `walkPages` must return for these clicks, in listing order. */
function expectedPages(clicks: readonly Click[], limit: number): string[] {
  const pages: string[] = [];
  for (let start = 0; start < clicks.length || start === 0; start += limit) {
    pages.push(
      clicks
        .slice(start, start + limit)
        .map((click) => JSON.stringify(click))
        .join(","),
    );
  }
  return pages;
}

describe("ClickStore.writeClicks", () => {
  it("writes pages as JSON.stringify does", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          offsets: fc.array(fc.integer({ min: 0, max: 2 * HOUR_US }), { maxLength: 700 }),
          limit: fc.integer({ min: 1, max: 120 }),
          linkFilter: fc.constantFrom(null, 90_001),
          cacheBytes: fc.constantFrom(0, 50_000, 16 * 1024 * 1024),
        }),
        ({ seed, offsets, limit, linkFilter, cacheBytes }) => {
          const store = new ClickStore(WORKSPACE.id, { jsonCacheBytes: cacheBytes });
          const factory = new ClickFactory(WORKSPACE, new Random(seed), { trickyShare: 0.3 });
          const stored = appendClicks(
            store,
            factory,
            offsets.map((offset) => BASE_US + offset),
          );
          for (const { row } of stored) {
            store.markVisible(row);
          }
          const listed = stored
            .filter(({ click }) => linkFilter === null || click.link_id === linkFilter)
            .sort(byListingOrder)
            .map(({ click }) => click);
          const linkCode = linkFilter === null ? null : (store.linkCode(linkFilter) ?? -1);

          const walk = walkPages(store, BASE_US, BASE_US + 3 * HOUR_US, linkCode, limit);

          expect(walk.pages).toEqual(expectedPages(listed, limit));
          expect(walk.clickIds).toEqual(listed.map((click) => click.click_id));
          expect(walk.maxCacheBytes).toBeLessThanOrEqual(cacheBytes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("lists a click made visible late in a cached hour", () => {
    const store = new ClickStore(WORKSPACE.id);
    const factory = new ClickFactory(WORKSPACE, new Random(3));
    const times = Array.from({ length: 3 * SEGMENT_ROWS }, (_, index) => BASE_US + index * 1_000);
    const stored = appendClicks(store, factory, times);
    const late = new Set([5, 6, SEGMENT_ROWS + 1, 2 * SEGMENT_ROWS + 40]);
    stored.forEach(({ row }, index) => {
      if (!late.has(index)) {
        store.markVisible(row);
      }
    });
    const first = walkPages(store, BASE_US, BASE_US + HOUR_US, null, 100);
    expect(first.clickIds).toHaveLength(stored.length - late.size);
    expect(store.jsonCacheBytes).toBeGreaterThan(0);

    for (const index of late) {
      store.markVisible((stored[index] as Stored).row);
    }
    const second = walkPages(store, BASE_US, BASE_US + HOUR_US, null, 100);

    const clicks = stored.map(({ click }) => click);
    expect(second.clickIds).toEqual(clicks.map((click) => click.click_id));
    expect(second.pages).toEqual(expectedPages(clicks, 100));
  });

  it("lists clicks appended after a page cached their segment", () => {
    const store = new ClickStore(WORKSPACE.id);
    const factory = new ClickFactory(WORKSPACE, new Random(4));
    const before = appendClicks(store, factory, [BASE_US, BASE_US + 1, BASE_US + 2]);
    for (const { row } of before) {
      store.markVisible(row);
    }
    walkPages(store, BASE_US, BASE_US + HOUR_US, null, 10);

    const after = appendClicks(store, factory, [BASE_US + 3, BASE_US + 4]);
    for (const { row } of after) {
      store.markVisible(row);
    }
    const walk = walkPages(store, BASE_US, BASE_US + HOUR_US, null, 10);

    const clicks = [...before, ...after].map(({ click }) => click);
    expect(walk.pages).toEqual(expectedPages(clicks, 10));
  });
});

describe("ClickJsonCache", () => {
  function countingCache(rowCount: number, maxBytes: number) {
    const encoded: number[] = [];
    const cache = new ClickJsonCache({
      encode: (row, writer) => {
        encoded.push(row);
        writer.ascii(`{"row":${row}}`);
      },
      rowCount: () => rowCount,
      maxBytes,
    });
    return { cache, encoded };
  }

  function rowJson(cache: ClickJsonCache, row: number): string {
    const segment = cache.segment(row);
    const index = row - segment.firstRow;
    const start = segment.starts[index] as number;
    const end = (segment.starts[index + 1] as number) - 1;
    return Buffer.from(segment.bytes.subarray(start, end)).toString("utf8");
  }

  it("stays within its bound", () => {
    const maxBytes = 20_000;
    const { cache } = countingCache(10 * SEGMENT_ROWS, maxBytes);
    const random = new Random(9);
    for (let read = 0; read < 500; read++) {
      const row = random.int(0, 10 * SEGMENT_ROWS - 1);

      expect(rowJson(cache, row)).toBe(`{"row":${row}}`);
      expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(cache.segmentCount).toBeGreaterThan(0);
  });

  it("encodes a segment once while it is kept", () => {
    const { cache, encoded } = countingCache(4 * SEGMENT_ROWS, 16 * 1024 * 1024);
    cache.segment(0);
    cache.segment(SEGMENT_ROWS - 1);
    cache.segment(3 * SEGMENT_ROWS + 7);
    cache.segment(10);

    expect(encoded).toHaveLength(2 * SEGMENT_ROWS);
  });

  it("evicts the least recently used segment first", () => {
    const { cache: probe } = countingCache(3 * SEGMENT_ROWS, 16 * 1024 * 1024);
    probe.segment(0);
    // Room for two segments but not three.
    const { cache, encoded } = countingCache(3 * SEGMENT_ROWS, Math.floor(probe.bytes * 2.5));
    cache.segment(0);
    cache.segment(SEGMENT_ROWS);
    cache.segment(0);
    cache.segment(2 * SEGMENT_ROWS);
    encoded.length = 0;

    cache.segment(0);
    expect(encoded).toHaveLength(0);
    cache.segment(SEGMENT_ROWS);
    expect(encoded).toHaveLength(SEGMENT_ROWS);
  });

  it("keeps nothing with a bound of 0", () => {
    const { cache, encoded } = countingCache(SEGMENT_ROWS, 0);

    expect(rowJson(cache, 3)).toBe('{"row":3}');
    expect(rowJson(cache, 4)).toBe('{"row":4}');
    expect(cache.bytes).toBe(0);
    expect(cache.segmentCount).toBe(0);
    expect(encoded).toHaveLength(2 * SEGMENT_ROWS);
  });

  it("rejects a row that is not stored", () => {
    const { cache } = countingCache(10, 1_000);

    expect(() => cache.segment(10)).toThrow("No click at row 10: the store has 10 rows.");
    expect(() => cache.segment(-1)).toThrow(RangeError);
  });

  it("rejects a negative bound", () => {
    expect(() => countingCache(10, -1)).toThrow("Invalid maxBytes -1");
  });
});
