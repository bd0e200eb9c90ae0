import { JsonWriter } from "./json-writer.js";

/** Bits of a row below its segment index. */
const SEGMENT_BITS = 8;
/**
 * Rows per segment, 256. With clicks of about 390 bytes of JSON (the mean of the clicks of
 * `bench/store.ts`) a segment is about 100 KB.
 */
export const SEGMENT_ROWS = 1 << SEGMENT_BITS;

/** Default bound of a cache, bytes of JSON and offsets: about 42,000 clicks of 390 bytes. */
export const DEFAULT_JSON_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The JSON of stored rows `firstRow` to `firstRow + rows - 1`, back to back, each followed by
 * a comma, so that consecutive rows copy as one range.
 */
export interface JsonSegment {
  readonly firstRow: number;
  readonly rows: number;
  readonly bytes: Uint8Array;
  /**
   * Offsets in `bytes`, `rows + 1` of them. The JSON of row `firstRow + i` starts at `starts[i]`
   * and ends one byte, the comma, before `starts[i + 1]`.
   */
  readonly starts: Uint32Array;
}

export interface ClickJsonCacheOptions {
  /** Appends the JSON of store row `row` to `writer`. */
  readonly encode: (row: number, writer: JsonWriter) => void;
  /** Returns the number of rows stored, which only grows. */
  readonly rowCount: () => number;
  /** Bound on the bytes of all segments kept, JSON and offsets. Default: 16 MiB. */
  readonly maxBytes?: number;
}

/**
 * The UTF-8 JSON of stored clicks, encoded once per segment of `SEGMENT_ROWS` consecutive
 * store rows and kept while the segments stay among the most recently used within `maxBytes`.
 *
 * Keys are store rows, not positions in the time index, so nothing here depends on which
 * clicks are visible. A stored click never changes and its row never moves, so a segment never
 * goes stale. A click that becomes visible late only changes which rows a page lists. The last
 * segment may be short while clicks are appended, and grows when a later row is requested.
 */
export class ClickJsonCache {
  readonly #encode: (row: number, writer: JsonWriter) => void;
  readonly #rowCount: () => number;
  readonly #maxBytes: number;
  /** Segments by index, least recently used first, because a `Map` iterates in insertion order. */
  readonly #segments = new Map<number, JsonSegment>();
  readonly #writer = new JsonWriter();
  #bytes = 0;
  /** The segment returned last, the most recently used one, or `undefined` once evicted. */
  #latest: JsonSegment | undefined = undefined;

  constructor(options: ClickJsonCacheOptions) {
    const maxBytes = options.maxBytes ?? DEFAULT_JSON_CACHE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(
        `Invalid maxBytes ${maxBytes}: expected a non-negative integer number of bytes.`,
      );
    }
    this.#encode = options.encode;
    this.#rowCount = options.rowCount;
    this.#maxBytes = maxBytes;
  }

  /** Bytes of all segments kept, JSON and offsets. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of segments kept. */
  get segmentCount(): number {
    return this.#segments.size;
  }

  /**
   * Returns the segment that contains store row `row`, encoding it or its missing rows first,
   * and marks it most recently used. The segment returned stays valid after later calls evict
   * it, so a caller may hold several while it writes one page. `row` must be a stored row.
   */
  segment(row: number): JsonSegment {
    // A page filtered by link reads a few rows of each segment in turn, so most calls request
    // the segment of the call before, which is already the most recently used.
    const latest = this.#latest;
    if (latest !== undefined && row >= latest.firstRow && row < latest.firstRow + latest.rows) {
      return latest;
    }
    const index = row >>> SEGMENT_BITS;
    const segments = this.#segments;
    const known = segments.get(index);
    if (known !== undefined && row < known.firstRow + known.rows) {
      segments.delete(index);
      segments.set(index, known);
      this.#latest = known;
      return known;
    }

    const firstRow = index << SEGMENT_BITS;
    const rowCount = this.#rowCount();
    if (!Number.isInteger(row) || row < 0 || row >= rowCount) {
      throw new RangeError(`No click at row ${row}: the store has ${rowCount} rows.`);
    }
    // The whole segment, or every row stored so far when it is the last, so that a page
    // walking forward through a short segment extends it once, not once per row.
    const segment = this.#encodeRows(firstRow, Math.min(firstRow + SEGMENT_ROWS, rowCount), known);
    if (known !== undefined) {
      this.#bytes -= segmentBytes(known);
      segments.delete(index);
    }
    segments.set(index, segment);
    this.#latest = segment;
    this.#bytes += segmentBytes(segment);
    this.#evict();
    return segment;
  }

  /** Encodes rows `firstRow` up to `endRow`, exclusive, reusing the rows `known` contains. */
  #encodeRows(firstRow: number, endRow: number, known: JsonSegment | undefined): JsonSegment {
    const writer = this.#writer;
    writer.reset();
    const rows = endRow - firstRow;
    const starts = new Uint32Array(rows + 1);
    let row = firstRow;
    if (known !== undefined) {
      writer.bytes(known.bytes);
      starts.set(known.starts);
      row += known.rows;
    }
    for (; row < endRow; row++) {
      this.#encode(row, writer);
      writer.byte(COMMA);
      starts[row - firstRow + 1] = writer.length;
    }
    return { firstRow, rows, bytes: writer.toBytes(), starts };
  }

  /** Drops the least recently used segments until the kept bytes fit `maxBytes`. */
  #evict(): void {
    const segments = this.#segments;
    for (const [index, segment] of segments) {
      if (this.#bytes <= this.#maxBytes) {
        return;
      }
      segments.delete(index);
      this.#bytes -= segmentBytes(segment);
      if (segment === this.#latest) {
        this.#latest = undefined;
      }
    }
  }
}

const COMMA = 0x2c;

function segmentBytes(segment: JsonSegment): number {
  return segment.bytes.byteLength + segment.starts.byteLength;
}
