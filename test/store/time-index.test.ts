import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Click } from "../../src/model/click.js";
import { Random } from "../../src/model/random.js";
import type { Link } from "../../src/model/workspace.js";
import { ClickStore } from "../../src/store/click-store.js";
import { ClickFactory } from "../../src/traffic/click-factory.js";
import { STORE_WORKSPACE as WORKSPACE } from "./store-fixtures.js";

const US_PER_MINUTE = 60_000_000;
// Three minutes before a UTC hour, so that dense minutes fall in two hour blocks.
const BASE_US = Date.parse("2026-05-15T21:57:00Z") * 1_000;
const SPAN_US = 6 * US_PER_MINUTE;

interface Stored {
  click: Click;
  occurredAtUs: number;
}

/**
 * Builds a store of `count` clicks in six minutes, made visible in shuffled order, so that
 * each minute passes the size at which it keeps its own counters while clicks still arrive.
 */
function buildDenseStore(seed: number, count: number): { store: ClickStore; stored: Stored[] } {
  const random = new Random(seed);
  const factory = new ClickFactory(WORKSPACE, random.fork("clicks"));
  const store = new ClickStore(WORKSPACE.id);
  const stored: Stored[] = [];
  const rows: number[] = [];
  for (let index = 0; index < count; index++) {
    const occurredAtUs = BASE_US + random.int(0, SPAN_US - 1);
    const click = factory.create(random.pick(WORKSPACE.links) as Link, occurredAtUs);
    rows.push(store.append(click, occurredAtUs));
    stored.push({ click, occurredAtUs });
  }
  for (let index = rows.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [rows[index], rows[other]] = [rows[other] as number, rows[index] as number];
  }
  for (const row of rows) {
    store.markVisible(row);
  }
  return { store, stored };
}

const minuteOffset = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 0, 1, 20_000_000))
  .map(([minute, delta]) => Math.max(0, minute * US_PER_MINUTE + delta));

describe("TimeIndex", () => {
  it("counts dense minutes exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 300, max: 900 }),
        minuteOffset,
        minuteOffset,
        (seed, count, from, to) => {
          const { store, stored } = buildDenseStore(seed, count);
          const fromUs = BASE_US + Math.min(from, to);
          const toUs = BASE_US + Math.max(from, to);
          const inRange = stored.filter((s) => s.occurredAtUs >= fromUs && s.occurredAtUs < toUs);

          const totals = store.totals(fromUs, toUs);

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
        },
      ),
      { numRuns: 40 },
    );
  });

  it("pages dense minutes across an hour", () => {
    const { store, stored } = buildDenseStore(11, 800);
    const expected = stored
      .filter((s) => s.click.link_id === 90_002)
      .sort((a, b) =>
        a.occurredAtUs !== b.occurredAtUs
          ? a.occurredAtUs - b.occurredAtUs
          : a.click.click_id.localeCompare(b.click.click_id),
      )
      .map((s) => s.click.click_id);

    const served: string[] = [];
    let after = null;
    for (;;) {
      const page = store.page(BASE_US, BASE_US + SPAN_US, after, store.linkCode(90_002) ?? -1, 37);
      served.push(...page.rows.map((row) => store.clickId(row)));
      if (!page.more) {
        break;
      }
      after = store.position(page.rows[page.rows.length - 1] as number);
    }

    expect(served).toEqual(expected);
  });
});
