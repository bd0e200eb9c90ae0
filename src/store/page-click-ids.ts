import { JsonWriter } from "./json-writer.js";

const CLICK_ID_LENGTH = 36;

/** A store that writes the id of a row as a 36-character UUID. */
export interface ClickIdWriter {
  writeClickId(row: number, writer: JsonWriter): void;
}

/**
 * The click ids of a page, kept as its store rows and formatted when first read. Rows never
 * change, so the ids read later are the ids the page served. Pages usually list consecutive
 * rows, so the rows are kept as runs: pairs of first row and length.
 */
export class PageClickIds {
  readonly #store: ClickIdWriter;
  readonly #runs: Uint32Array;

  constructor(store: ClickIdWriter, rows: readonly number[]) {
    this.#store = store;
    let runCount = 0;
    for (let position = 0; position < rows.length; position++) {
      if (startsRun(rows, position)) {
        runCount++;
      }
    }

    const runs = new Uint32Array(runCount * 2);
    let run = -2;
    for (let position = 0; position < rows.length; position++) {
      if (startsRun(rows, position)) {
        run += 2;
        runs[run] = rows[position] as number;
      }
      (runs[run + 1] as number)++;
    }
    this.#runs = runs;
  }

  /** Returns the ids as 36-character UUIDs back to back. */
  packedClickIds(): string {
    const runs = this.#runs;
    let count = 0;
    for (let run = 1; run < runs.length; run += 2) {
      count += runs[run] as number;
    }
    const writer = new JsonWriter(count * CLICK_ID_LENGTH);
    for (let run = 0; run < runs.length; run += 2) {
      const end = (runs[run] as number) + (runs[run + 1] as number);
      for (let row = runs[run] as number; row < end; row++) {
        this.#store.writeClickId(row, writer);
      }
    }
    return writer.toLatin1();
  }
}

/** Returns whether `rows[position]` starts a run, which it does unless it follows the row before. */
function startsRun(rows: readonly number[], position: number): boolean {
  return position === 0 || rows[position] !== (rows[position - 1] as number) + 1;
}
