import { createHmac, timingSafeEqual } from "node:crypto";
import type { ClickPosition } from "../store/time-index.js";

/**
 * The pagination cursor of `clicks/recent`: the window, the link filter, the workspace and the
 * position after the last click served, signed so that a client can neither forge nor edit it.
 *
 * Layout before base64url: version (1 byte), workspace id, window start, window end, link id
 * (0 for none) and position time as float64 big-endian, the 16 id bytes of the position, then
 * the first 16 bytes of HMAC-SHA256 over everything before it.
 */
export interface CursorState {
  readonly workspaceId: number;
  /** Window start, epoch microseconds, included. */
  readonly fromUs: number;
  /** Window end, epoch microseconds, excluded. */
  readonly toUs: number;
  readonly linkId: number | null;
  /** The last click served: the next page starts after it. */
  readonly after: ClickPosition;
}

const VERSION = 1;
const PAYLOAD_BYTES = 1 + 5 * 8 + 16;
const MAC_BYTES = 16;

/** Encodes and checks cursors with one HMAC key, which a simulation draws from its seed. */
export class CursorCodec {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length < 16) {
      throw new RangeError(`Cursor key too short: expected at least 16 bytes, got ${key.length}.`);
    }
    this.#key = key;
  }

  encode(state: CursorState): string {
    const bytes = Buffer.alloc(PAYLOAD_BYTES + MAC_BYTES);
    bytes.writeUInt8(VERSION, 0);
    bytes.writeDoubleBE(state.workspaceId, 1);
    bytes.writeDoubleBE(state.fromUs, 9);
    bytes.writeDoubleBE(state.toUs, 17);
    bytes.writeDoubleBE(state.linkId ?? 0, 25);
    bytes.writeDoubleBE(state.after.occurredAtUs, 33);
    bytes.set(state.after.clickId.subarray(0, 16), 41);
    this.#mac(bytes.subarray(0, PAYLOAD_BYTES)).copy(bytes, PAYLOAD_BYTES);
    return bytes.toString("base64url");
  }

  /**
   * Returns the state of a cursor this codec encoded, or `undefined` for anything else: other
   * text, another key's cursor, or a cursor with any byte changed.
   */
  decode(text: string): CursorState | undefined {
    const bytes = Buffer.from(text, "base64url");
    // Node's decoder skips characters outside the alphabet and ignores spare bits, so only
    // the canonical spelling of the bytes is accepted.
    if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES || bytes.toString("base64url") !== text) {
      return undefined;
    }
    const expected = this.#mac(bytes.subarray(0, PAYLOAD_BYTES));
    if (!timingSafeEqual(expected, bytes.subarray(PAYLOAD_BYTES))) {
      return undefined;
    }
    if (bytes.readUInt8(0) !== VERSION) {
      return undefined;
    }
    const linkId = bytes.readDoubleBE(25);
    return {
      workspaceId: bytes.readDoubleBE(1),
      fromUs: bytes.readDoubleBE(9),
      toUs: bytes.readDoubleBE(17),
      linkId: linkId === 0 ? null : linkId,
      after: {
        occurredAtUs: bytes.readDoubleBE(33),
        clickId: new Uint8Array(bytes.subarray(41, 57)),
      },
    };
  }

  #mac(payload: Uint8Array): Buffer {
    return createHmac("sha256", this.#key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}
