import { readFile } from "node:fs/promises";
import { request } from "undici";

/**
 * What the integration under test says it processed, read at the end of a run. `click_ids`
 * has one entry per processing, so a click processed twice appears twice.
 */
export type Observation =
  | { readonly kind: "click_ids"; readonly source: string; readonly clickIds: readonly string[] }
  | {
      readonly kind: "counts";
      readonly source: string;
      readonly counts: ReadonlyMap<number, number>;
    };

/** Thrown when an observation source cannot be read or has none of the accepted formats. */
export class ObservationError extends Error {
  readonly code = "ELIDO_SIM_ERR_OBSERVATION_INVALID";
  constructor(message: string) {
    super(message);
    this.name = "ObservationError";
  }
}

const FORMATS_HELP =
  'Accepted formats: JSON {"click_ids": ["..."]}, JSON {"counts": {"<link_id>": n}}, ' +
  'or JSON Lines with one {"click_id": "..."} per line.';

/** Largest observation body read, in bytes: about 100 bytes per click id, for a million clicks. */
const MAX_OBSERVATION_BYTES = 128 * 1024 * 1024;

/**
 * Reads an observation from an http(s) URL or a file. `$PORT` (or `${PORT}`) in a URL is
 * replaced by `port`, the receiver's port.
 */
export async function readObservation(source: string, port?: number): Promise<Observation> {
  const text = /^https?:\/\//i.test(source)
    ? await fetchText(substitutePort(source, port))
    : await readFileText(source);
  return parseObservation(text, source);
}

/** Replaces `$PORT` and `${PORT}` in `text` with `port`. */
export function substitutePort(text: string, port: number | undefined): string {
  if (port === undefined) {
    return text;
  }
  return text.replace(/\$\{PORT\}|\$PORT\b/g, String(port));
}

async function fetchText(url: string): Promise<string> {
  let response: Awaited<ReturnType<typeof request>>;
  try {
    // Wall-clock timeout: the observation is read after the run, outside simulated time.
    response = await request(url, { method: "GET", signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new ObservationError(
      `Failed to read the observation from ${url}: ${(error as Error).message}. ` +
        "Is the ledger endpoint served by the integration, and is the URL right?",
    );
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    await response.body.dump();
    throw new ObservationError(
      `Failed to read the observation from ${url}: status ${response.statusCode}, expected 2xx.`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_OBSERVATION_BYTES) {
      response.body.destroy();
      throw new ObservationError(
        `Observation from ${url} is larger than ${MAX_OBSERVATION_BYTES} bytes.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readFileText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ObservationError(
      `Failed to read the observation file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
    );
  }
}

/** Parses one of the three observation formats. */
export function parseObservation(text: string, source: string): Observation {
  const trimmed = text.trim();
  if (trimmed === "") {
    return { kind: "click_ids", source, clickIds: [] };
  }
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    return parseJsonLines(trimmed, source);
  }
  if (typeof whole === "object" && whole !== null && !Array.isArray(whole)) {
    const record = whole as Record<string, unknown>;
    if ("click_ids" in record) {
      return { kind: "click_ids", source, clickIds: parseClickIds(record.click_ids, source) };
    }
    if ("counts" in record) {
      return { kind: "counts", source, counts: parseCounts(record.counts, source) };
    }
    if ("click_id" in record) {
      return parseJsonLines(trimmed, source);
    }
  }
  throw new ObservationError(
    `Invalid observation in ${source}: unrecognized JSON. ${FORMATS_HELP}`,
  );
}

function parseClickIds(value: unknown, source: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new ObservationError(
      `Invalid observation in ${source}: "click_ids" must be an array of strings. ${FORMATS_HELP}`,
    );
  }
  return value;
}

function parseCounts(value: unknown, source: string): Map<number, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ObservationError(
      `Invalid observation in ${source}: "counts" must be an object of link id to count. ${FORMATS_HELP}`,
    );
  }
  const counts = new Map<number, number>();
  for (const [key, count] of Object.entries(value)) {
    const linkId = /^\d{1,15}$/.test(key) ? Number(key) : Number.NaN;
    if (
      !Number.isSafeInteger(linkId) ||
      typeof count !== "number" ||
      !Number.isSafeInteger(count) ||
      count < 0
    ) {
      throw new ObservationError(
        `Invalid observation in ${source}: counts["${key}"] = ${JSON.stringify(count)}; expected an integer link id mapped to a count >= 0.`,
      );
    }
    counts.set(linkId, (counts.get(linkId) ?? 0) + count);
  }
  return counts;
}

function parseJsonLines(text: string, source: string): Observation {
  const clickIds: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") {
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new ObservationError(
        `Invalid observation in ${source} line ${index + 1}: not JSON. ${FORMATS_HELP}`,
      );
    }
    const clickId = (record as { click_id?: unknown } | null)?.click_id;
    if (typeof clickId !== "string") {
      throw new ObservationError(
        `Invalid observation in ${source} line ${index + 1}: expected {"click_id": "..."}. ${FORMATS_HELP}`,
      );
    }
    clickIds.push(clickId);
  }
  return { kind: "click_ids", source, clickIds };
}
