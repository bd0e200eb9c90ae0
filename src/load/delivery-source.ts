import { randomBytes } from "node:crypto";
import { formatTimestampUs } from "../model/click.js";
import type { Random } from "../model/random.js";
import type { Link, Workspace } from "../model/workspace.js";
import { ClickFactory } from "../traffic/click-factory.js";
import { buildClickEvent, CLICK_RECORDED } from "../webhooks/event.js";
import { encodeGoJson } from "../webhooks/go-json.js";
import {
  computeSignature,
  formatSignatureHeader,
  generateSecret,
  HEADER_ATTEMPT,
  HEADER_DELIVERY,
  HEADER_EVENT,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  wallClockUnixSeconds,
} from "../webhooks/signature.js";
import { SendKind, type SendLog } from "./send-log.js";

/** Number of precomputed click bodies that requests cycle through with fresh ids. */
const POOL_SIZE = 512;
/** Number of recent valid events a duplicate is drawn from. */
const DUPLICATE_WINDOW = 4_096;
const LOAD_USER_AGENT = "Elido-Webhooks/1.0 (elido-sim load)";
const EVENT_MARKER = "EVENTIDPLACEHOLDER";
const CLICK_MARKER = "CLICKIDPLACEHOLDER";

/** One request ready to write to a connection, and its index in the send log. */
export interface OutgoingDelivery {
  /**
   * The whole HTTP/1.1 request: request line, headers and body. It is a string because the
   * socket encodes a string as UTF-8 straight into its write, with no Buffer object in between.
   */
  readonly request: string;
  readonly sendIndex: number;
}

export interface DeliverySourceOptions {
  /**
   * Receiver URL. Its path and query form the request target, and its host is the Host header.
   */
  readonly target: URL;
  readonly secret: string;
  /** Share of requests, 0 to 1, that resend an earlier valid delivery. */
  readonly duplicates: number;
  /** Share of requests, 0 to 1, signed with a wrong secret. */
  readonly invalid: number;
  /** Seeded stream for the click pool and the choice of request kinds. */
  readonly random: Random;
  /** Wall-clock Unix milliseconds when the run starts, for `created_at` and `occurred_at`. */
  readonly startMs: number;
  readonly log: SendLog;
}

/**
 * Produces signed `click.recorded` deliveries for a load run. Bodies come from a pool that
 * ClickFactory fills once; each new delivery gets fresh delivery, event and click ids spliced
 * into a pooled body, and the request text is joined from a fixed head, the per-delivery
 * headers and the body, so a request costs one HMAC and a few string joins.
 *
 * Ids embed a prefix from crypto.randomBytes, not from the seed, so that two runs against the
 * same idempotent receiver never collide: the seed fixes the click contents, not the ids.
 */
export class DeliverySource {
  readonly #options: DeliverySourceOptions;
  /** Secret of the invalid share of requests, which the receiver does not know. */
  readonly #wrongSecret: string;
  readonly #templates: readonly Template[];
  readonly #deliveryIdPrefix: string;
  readonly #eventIdPrefix: string;
  readonly #clickIdPrefix: string;
  /** Request line and the headers that every request of the run repeats. */
  readonly #requestHead: string;
  readonly #recentValid = new Uint32Array(DUPLICATE_WINDOW);
  #recentCount = 0;
  #nextEvent = 0;

  constructor(options: DeliverySourceOptions) {
    this.#options = options;
    const prefix = randomBytes(9).toString("hex");
    this.#deliveryIdPrefix = `dlv_${prefix.slice(0, 16)}`;
    this.#eventIdPrefix = `evt_${prefix.slice(0, 16)}`;
    this.#clickIdPrefix =
      `${prefix.slice(0, 8)}-${prefix.slice(8, 12)}-` +
      `4${prefix.slice(12, 15)}-a${prefix.slice(15, 18)}-`;
    this.#wrongSecret = generateSecret(options.random);
    this.#templates = buildTemplates(options.random, options.startMs);
    this.#requestHead = buildRequestHead(options.target);
  }

  /** Builds the next request and records it in the send log. */
  next(): OutgoingDelivery {
    const { random, duplicates, invalid, log } = this.#options;
    const draw = invalid > 0 || duplicates > 0 ? random.float() : 1;
    if (draw < invalid) {
      const eventIndex = this.#nextEvent++;
      return this.#build(eventIndex, SendKind.invalid, log.add(eventIndex, SendKind.invalid));
    }
    if (draw < invalid + duplicates && this.#recentCount > 0) {
      const slot = random.int(0, Math.min(this.#recentCount, DUPLICATE_WINDOW) - 1);
      const eventIndex = this.#recentValid[slot] as number;
      return this.#build(eventIndex, SendKind.duplicate, log.add(eventIndex, SendKind.duplicate));
    }
    const eventIndex = this.#nextEvent++;
    this.#recentValid[this.#recentCount % DUPLICATE_WINDOW] = eventIndex;
    this.#recentCount++;
    return this.#build(eventIndex, SendKind.valid, log.add(eventIndex, SendKind.valid));
  }

  /** Returns the ids of the delivery that carries event `eventIndex`. */
  idsOf(eventIndex: number): { deliveryId: string; eventId: string; clickId: string } {
    const hex = eventIndex.toString(16).padStart(8, "0");
    return {
      deliveryId: this.#deliveryIdPrefix + hex,
      eventId: this.#eventIdPrefix + hex,
      clickId: this.clickIdOf(eventIndex),
    };
  }

  /** Returns the click id of event `eventIndex`: a UUID v4 whose last group is the index. */
  clickIdOf(eventIndex: number): string {
    return this.#clickIdPrefix + eventIndex.toString(16).padStart(12, "0");
  }

  /** Returns the event index that `clickId` was built from, or -1 when this run did not build it. */
  eventIndexOfClick(clickId: string): number {
    if (clickId.length !== 36 || !clickId.startsWith(this.#clickIdPrefix)) {
      return -1;
    }
    const index = Number.parseInt(clickId.slice(24), 16);
    return Number.isSafeInteger(index) && index < this.#nextEvent ? index : -1;
  }

  /** Returns the link id of the click that event `eventIndex` carries. */
  linkIdOf(eventIndex: number): number {
    return (this.#templates[eventIndex % POOL_SIZE] as Template).linkId;
  }

  /** Number of distinct events built so far, valid and invalid. */
  get eventCount(): number {
    return this.#nextEvent;
  }

  #build(eventIndex: number, kind: SendKind, sendIndex: number): OutgoingDelivery {
    const template = this.#templates[eventIndex % POOL_SIZE] as Template;
    const hex = eventIndex.toString(16).padStart(8, "0");
    const eventId = this.#eventIdPrefix + hex;
    const clickId = this.clickIdOf(eventIndex);
    const body = template.head + eventId + template.middle + clickId + template.tail;
    const timestamp = wallClockUnixSeconds();
    const secret = kind === SendKind.invalid ? this.#wrongSecret : this.#options.secret;
    const signature = computeSignature(secret, timestamp, body);
    // A duplicate plays a retry of the same delivery, so it is the second attempt.
    const attempt = kind === SendKind.duplicate ? 2 : 1;
    // The ids are ASCII, so their length is their byte count.
    const contentLength = template.fixedBytes + eventId.length + clickId.length;
    const request =
      `${this.#requestHead}${HEADER_DELIVERY}: ${this.#deliveryIdPrefix}${hex}\r\n` +
      `${HEADER_ATTEMPT}: ${attempt}\r\n` +
      `${HEADER_TIMESTAMP}: ${timestamp}\r\n` +
      `${HEADER_SIGNATURE}: ${formatSignatureHeader(signature)}\r\n` +
      `Content-Length: ${contentLength}\r\n\r\n${body}`;
    return { request, sendIndex };
  }
}

/**
 * Returns the request line and the headers that do not change between the requests of a run,
 * each line ending in CRLF. Connection is keep-alive because autocannon reuses each connection.
 */
function buildRequestHead(target: URL): string {
  return (
    `POST ${target.pathname}${target.search} HTTP/1.1\r\n` +
    `Host: ${target.host}\r\n` +
    "Connection: keep-alive\r\n" +
    "content-type: application/json\r\n" +
    `user-agent: ${LOAD_USER_AGENT}\r\n` +
    `${HEADER_EVENT}: ${CLICK_RECORDED}\r\n`
  );
}

/** A pooled body split around its event id and click id. */
interface Template {
  readonly head: string;
  readonly middle: string;
  readonly tail: string;
  /** UTF-8 byte length of head, middle and tail together. */
  readonly fixedBytes: number;
  readonly linkId: number;
}

/**
 * Encodes POOL_SIZE click events with placeholder ids and splits each body around them, so a
 * request joins three strings and two ids instead of encoding JSON.
 */
function buildTemplates(random: Random, startMs: number): Template[] {
  const workspace = loadWorkspace(random);
  const factory = new ClickFactory(workspace, random.fork("clicks"));
  const createdAt = formatTimestampUs(startMs * 1_000);
  const templates: Template[] = [];
  for (let index = 0; index < POOL_SIZE; index++) {
    const link = random.pick(workspace.links);
    // Clicks occurred up to a minute before the run started, as ingestion lag would have it.
    const click = factory.create(link, (startMs - random.int(0, 60_000)) * 1_000);
    click.click_id = CLICK_MARKER;
    const body = encodeGoJson(buildClickEvent(EVENT_MARKER, createdAt, click));
    const [head, rest] = splitOnce(body, EVENT_MARKER);
    const [middle, tail] = splitOnce(rest, CLICK_MARKER);
    const fixedBytes =
      Buffer.byteLength(head) + Buffer.byteLength(middle) + Buffer.byteLength(tail);
    templates.push({ head, middle, tail, fixedBytes, linkId: link.link_id });
  }
  return templates;
}

function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) {
    throw new Error(`Load body template has ${at < 0 ? "no" : "more than one"} ${marker}.`);
  }
  return [text.slice(0, at), text.slice(at + marker.length)];
}

/** A workspace of 20 links, the scale of a small customer, for the click pool. */
function loadWorkspace(random: Random): Workspace {
  const links: Link[] = [];
  for (let index = 0; index < 20; index++) {
    const slug = `load-${random.hex(6)}`;
    links.push({
      link_id: 90_001 + index,
      slug,
      destination: `https://example.com/${slug}`,
    });
  }
  return Object.freeze({ id: 4123, plan: "business", apiKeys: [], links });
}
