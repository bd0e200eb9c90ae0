import type { Device } from "../model/click.js";

/**
 * One click as plain column values, the input of `ClickStore.appendRow`. Loaders of millions of
 * clicks reuse one row, so no object or string is built per click.
 */
export interface ClickRow {
  /** The 16 bytes of the click's UUID. */
  readonly clickId: Uint8Array;
  linkId: number;
  slug: string;
  countryCode: string | null;
  device: Device;
  browser: string;
  os: string;
  referrerHost: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmContent: string | null;
  utmTerm: string | null;
  suspectedBot: boolean;
}

/** Returns an empty row to fill and reuse. */
export function createClickRow(): ClickRow {
  return {
    clickId: new Uint8Array(16),
    linkId: 0,
    slug: "",
    countryCode: null,
    device: "desktop",
    browser: "",
    os: "",
    referrerHost: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    utmContent: null,
    utmTerm: null,
    suspectedBot: false,
  };
}

const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Formats 16 bytes at `offset` as a lowercase hyphenated UUID string. */
export function formatUuid(bytes: Uint8Array, offset = 0): string {
  let text = "";
  for (let byte = 0; byte < 16; byte++) {
    if (byte === 4 || byte === 6 || byte === 8 || byte === 10) {
      text += "-";
    }
    text += HEX_BYTES[bytes[offset + byte] as number];
  }
  return text;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes the 16 bytes of a hyphenated UUID string into `target`; throws on any other form. */
export function parseUuid(text: string, target: Uint8Array): void {
  if (!UUID_PATTERN.test(text)) {
    throw new RangeError(`Invalid click_id "${text}": expected a hyphenated UUID.`);
  }
  const hex = text.replaceAll("-", "");
  for (let byte = 0; byte < 16; byte++) {
    target[byte] = Number.parseInt(hex.slice(byte * 2, byte * 2 + 2), 16);
  }
}
