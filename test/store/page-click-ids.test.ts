import { describe, expect, it } from "vitest";
import type { JsonWriter } from "../../src/store/json-writer.js";
import { PageClickIds } from "../../src/store/page-click-ids.js";

/** Writes `row` as a 36-character id: the row number in decimal, zero-padded. */
const store = {
  writeClickId(row: number, writer: JsonWriter): void {
    writer.ascii(String(row).padStart(36, "0"));
  },
};

function ids(rows: readonly number[]): string {
  return rows.map((row) => String(row).padStart(36, "0")).join("");
}

describe("PageClickIds", () => {
  it("returns the ids of the rows in order", () => {
    const rows = [7, 8, 9, 3, 4, 100, 0, 1, 2];

    expect(new PageClickIds(store, rows).packedClickIds()).toBe(ids(rows));
  });

  it("returns the ids of a single run", () => {
    const rows = Array.from({ length: 100 }, (_, index) => 5_000 + index);

    expect(new PageClickIds(store, rows).packedClickIds()).toBe(ids(rows));
  });

  it("returns an empty string for no rows", () => {
    expect(new PageClickIds(store, []).packedClickIds()).toBe("");
  });
});
