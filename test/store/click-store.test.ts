import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Click } from "../../src/model/click.js";
import { Random } from "../../src/model/random.js";
import type { Link, Workspace } from "../../src/model/workspace.js";
import { type ClickRow, createClickRow, parseUuid } from "../../src/store/click-row.js";
import { ClickStore } from "../../src/store/click-store.js";
import { ClickFactory } from "../../src/traffic/click-factory.js";
import { byListingOrder, STORE_WORKSPACE } from "./store-fixtures.js";

const DAY_US = 86_400_000_000;
// Two hours before a UTC midnight, so that ranges cross minute, hour and day boundaries.
const BASE_US = Date.parse("2026-05-15T22:00:00Z") * 1_000;
const SPAN_US = 4 * 3_600_000_000;

const WORKSPACE: Workspace = {
  ...STORE_WORKSPACE,
  links: [
    ...STORE_WORKSPACE.links,
    { link_id: 90_003, slug: "gamma", destination: "https://example.test/c" },
  ],
};

interface Stored {
  row: number;
  click: Click;
  occurredAtUs: number;
}

/** Builds a store of `times.length` clicks and makes those with a true `visible` flag visible, in shuffled order. */
function buildStore(seed: number, times: readonly number[], visible: readonly boolean[]) {
  const random = new Random(seed);
  const factory = new ClickFactory(WORKSPACE, random.fork("clicks"));
  const store = new ClickStore(WORKSPACE.id);
  const stored: Stored[] = times.map((occurredAtUs) => {
    const click = factory.create(random.pick(WORKSPACE.links) as Link, occurredAtUs);
    return { row: store.append(click, occurredAtUs), click, occurredAtUs };
  });
  const order = stored.map((_, index) => index);
  for (let index = order.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  for (const index of order) {
    if (visible[index] === true) {
      store.markVisible((stored[index] as Stored).row);
    }
  }
  return { store, visible: stored.filter((_, index) => visible[index] === true) };
}

const offsetArbitrary = fc.oneof(
  fc.integer({ min: 0, max: SPAN_US }),
  // Exact minute, hour and midnight boundaries, and the microseconds around them.
  fc
    .tuple(fc.integer({ min: 0, max: 240 }), fc.constantFrom(-1, 0, 1))
    .map(([minute, delta]) => Math.max(0, minute * 60_000_000 + delta)),
);

const storeCase = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  clicks: fc.array(fc.tuple(offsetArbitrary, fc.boolean()), { maxLength: 300 }),
  from: offsetArbitrary,
  to: offsetArbitrary,
  limit: fc.integer({ min: 1, max: 40 }),
  linkFilter: fc.constantFrom(null, 90_001, 90_002),
});

describe("ClickStore", () => {
  it("counts ranges exactly as a scan does", () => {
    fc.assert(
      fc.property(storeCase, ({ seed, clicks, from, to }) => {
        const { store, visible } = buildStore(
          seed,
          clicks.map(([offset]) => BASE_US + offset),
          clicks.map(([, isVisible]) => isVisible),
        );
        const fromUs = BASE_US + Math.min(from, to);
        const toUs = BASE_US + Math.max(from, to);
        const inRange = visible.filter((s) => s.occurredAtUs >= fromUs && s.occurredAtUs < toUs);

        const totals = store.totals(fromUs, toUs);

        expect(store.count(fromUs, toUs)).toBe(inRange.length);
        expect(totals.clicks).toBe(inRange.length);
        for (const link of WORKSPACE.links) {
          const expected = inRange.filter((s) => s.click.link_id === link.link_id).length;
          expect(totals.links.get(link.link_id) ?? 0).toBe(expected);
        }
        const countries = new Map<string | null, number>();
        for (const s of inRange) {
          countries.set(s.click.country_code, (countries.get(s.click.country_code) ?? 0) + 1);
        }
        expect(new Map([...totals.countries].sort())).toEqual(new Map([...countries].sort()));
      }),
      { numRuns: 200 },
    );
  });

  it("pages a window in order without gaps", () => {
    fc.assert(
      fc.property(storeCase, ({ seed, clicks, from, to, limit, linkFilter }) => {
        const { store, visible } = buildStore(
          seed,
          clicks.map(([offset]) => BASE_US + offset),
          clicks.map(([, isVisible]) => isVisible),
        );
        const fromUs = BASE_US + Math.min(from, to);
        const toUs = BASE_US + Math.max(from, to);
        const expected = visible
          .filter((s) => s.occurredAtUs >= fromUs && s.occurredAtUs < toUs)
          .filter((s) => linkFilter === null || s.click.link_id === linkFilter)
          .sort(byListingOrder)
          .map((s) => s.click.click_id);
        const linkCode = linkFilter === null ? null : (store.linkCode(linkFilter) ?? -1);

        const served: string[] = [];
        let after = null;
        for (let pages = 0; pages <= expected.length + 1; pages++) {
          const { rows, more } = store.page(fromUs, toUs, after, linkCode, limit);
          served.push(...rows.map((row) => store.clickId(row)));
          if (!more) {
            break;
          }
          expect(rows).toHaveLength(limit);
          after = store.position(rows[rows.length - 1] as number);
        }

        expect(served).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("writes the JSON of the stored click", () => {
    const random = new Random(7);
    const factory = new ClickFactory(WORKSPACE, random, { trickyShare: 0.5 });
    const store = new ClickStore(WORKSPACE.id);
    for (let index = 0; index < 200; index++) {
      const occurredAtUs = BASE_US + index * 1_234_567;
      const click = factory.create(WORKSPACE.links[index % 3] as Link, occurredAtUs);
      const row = store.append(click, occurredAtUs);

      expect(store.toJson(row)).toBe(JSON.stringify(click));
      expect(store.toClick(row)).toEqual(click);
    }
  });

  it("counts a click once when made visible twice", () => {
    const store = new ClickStore(WORKSPACE.id);
    const factory = new ClickFactory(WORKSPACE, new Random(1));
    const row = store.append(factory.create(WORKSPACE.links[0] as Link, BASE_US), BASE_US);

    store.markVisible(row);
    store.markVisible(row);

    expect(store.visibleCount).toBe(1);
    expect(store.count(BASE_US, BASE_US + DAY_US)).toBe(1);
  });

  it("ignores clicks that are not visible", () => {
    const store = new ClickStore(WORKSPACE.id);
    const factory = new ClickFactory(WORKSPACE, new Random(1));
    store.append(factory.create(WORKSPACE.links[0] as Link, BASE_US), BASE_US);

    expect(store.count(BASE_US, BASE_US + DAY_US)).toBe(0);
    expect(store.page(BASE_US, BASE_US + DAY_US, null, null, 10).rows).toEqual([]);
  });

  it("rejects a click of another workspace", () => {
    const store = new ClickStore(1);
    const factory = new ClickFactory(WORKSPACE, new Random(1));

    expect(() =>
      store.append(factory.create(WORKSPACE.links[0] as Link, BASE_US), BASE_US),
    ).toThrow("Cannot store a click of workspace 4123 in the store of workspace 1.");
  });

  it("widens codes past 256 distinct values", () => {
    const store = new ClickStore(WORKSPACE.id);
    const row: ClickRow = createClickRow();
    parseUuid("00000000-0000-4000-8000-000000000000", row.clickId);
    for (let index = 0; index < 70_000; index++) {
      row.clickId[15] = index & 0xff;
      row.clickId[14] = (index >>> 8) & 0xff;
      row.clickId[13] = index >>> 16;
      row.referrerHost = `host-${index % 300}.example`;
      row.linkId = 1 + (index % 70_000);
      row.slug = `slug-${index}`;
      store.markVisible(store.appendRow(row, BASE_US + index));
    }

    expect(store.toClick(69_999).referrer_host).toBe("host-99.example");
    expect(store.toClick(69_999).link_id).toBe(70_000);
    expect(store.toClick(299).referrer_host).toBe("host-299.example");
    expect(store.totals(BASE_US, BASE_US + DAY_US).links.get(65_537)).toBe(1);
  });
});

describe("ClickFactory.fillRow", () => {
  it("draws UUID v4 ids", () => {
    const factory = new ClickFactory(WORKSPACE, new Random(3));
    const store = new ClickStore(WORKSPACE.id);
    const row = createClickRow();
    for (let index = 0; index < 100; index++) {
      factory.fillRow(WORKSPACE.links[0] as Link, row);
      const stored = store.appendRow(row, BASE_US);

      expect(store.clickId(stored)).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});
