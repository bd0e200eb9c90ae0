import { request } from "undici";
import type { ArgumentsCamelCase, Argv } from "yargs";
import { RealClock } from "../clock/scaled-clock.js";
import { Simulation } from "../core/simulation.js";
import { ElidoSimError } from "../errors.js";
import { SIGNATURE_PROBES } from "../faults/signature-probes.js";
import { formatTimestampUs } from "../model/click.js";
import { Dispatcher } from "../webhooks/dispatcher.js";
import { buildClickEvent } from "../webhooks/event.js";
import { encodeGoJson } from "../webhooks/go-json.js";
import {
  DEFAULT_DELIVERY_PROFILE,
  DELIVERY_PROFILE_NAMES,
  DELIVERY_PROFILES,
  type DeliveryProfileName,
} from "../webhooks/profiles.js";
import {
  computeSignature,
  generateSecret,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  wallClockUnixSeconds,
} from "../webhooks/signature.js";

/** How far `--stale` and `--future` move the signature timestamp: twice the usual 5-minute tolerance. */
const SKEW_SECONDS = 600;
/** Response body bytes printed per response. */
const PREVIEW_BYTES = 120;
/** Response body bytes read before the rest is discarded, as the dispatcher does. */
const READ_CAP_BYTES = 65_536;

/** `--malformed-signature` kinds and the signature probe each one sends. */
export const MALFORMED_SIGNATURE_KINDS = {
  short: "short_signature",
  long: "long_signature",
  "non-hex": "non_hex_signature",
  "no-scheme": "missing_scheme",
  empty: "empty_signature",
  missing: "missing_signature",
} as const;

export interface SendArguments {
  url: string;
  secret: string;
  count: number;
  seed: number;
  profile: string;
  wrongSecret: boolean;
  stale: boolean;
  future: boolean;
  tamperBody: boolean;
  malformedSignature?: string;
  duplicate: boolean;
}

export function configureSendCommand(yargs: Argv): Argv<SendArguments> {
  return yargs
    .option("url", {
      type: "string",
      demandOption: true,
      describe: "Receiver URL to POST the events to (http or https)",
    })
    .option("secret", {
      type: "string",
      demandOption: true,
      describe: "Signing secret the receiver verifies with, whsec_ prefix included",
    })
    .option("count", {
      type: "number",
      default: 1,
      describe: "Number of events to send, one after another (1 to 10000)",
    })
    .option("seed", {
      type: "number",
      default: 1,
      describe: "Seed of the generated clicks and ids",
    })
    .option("profile", {
      type: "string",
      default: DEFAULT_DELIVERY_PROFILE,
      choices: [...DELIVERY_PROFILE_NAMES],
      describe: "Delivery profile whose attempt timeout each request gets",
    })
    .option("wrong-secret", {
      type: "boolean",
      default: false,
      describe: "Sign with another secret; the receiver should answer 4xx",
    })
    .option("stale", {
      type: "boolean",
      default: false,
      describe: "Validly sign with a timestamp 10 minutes old; the receiver should answer 4xx",
    })
    .option("future", {
      type: "boolean",
      default: false,
      describe: "Validly sign with a timestamp 10 minutes ahead; the receiver should answer 4xx",
    })
    .option("tamper-body", {
      type: "boolean",
      default: false,
      describe: "Change the body after signing; the receiver should answer 4xx",
    })
    .option("malformed-signature", {
      type: "string",
      choices: Object.keys(MALFORMED_SIGNATURE_KINDS),
      describe: "Send a malformed X-Webhook-Signature; the receiver should answer 4xx",
    })
    .option("duplicate", {
      type: "boolean",
      default: false,
      describe: "Send each delivery twice with the same delivery id; both should get 2xx",
    }) as unknown as Argv<SendArguments>;
}

type Mode = "valid" | "wrong-secret" | "stale" | "future" | "tamper-body" | "malformed-signature";

/**
 * Runs `elido-sim send`: signs and POSTs `--count` `click.recorded` events and prints one line
 * per response with a verdict. Returns 0 when every request got an HTTP response, whatever the
 * status (the verdicts show whether the statuses were right), and 1 when one got none.
 */
export async function executeSend(args: ArgumentsCamelCase<SendArguments>): Promise<number> {
  const url = parseUrl(args.url);
  const mode = parseMode(args);
  if (!Number.isInteger(args.count) || args.count < 1 || args.count > 10_000) {
    throw usage(`Invalid --count ${args.count}: expected an integer from 1 to 10000.`);
  }
  if (!Number.isInteger(args.seed) || args.seed < 0 || args.seed > 0xffffffff) {
    throw usage(`Invalid --seed ${args.seed}: expected an integer from 0 to 4294967295.`);
  }
  const timeoutMs = DELIVERY_PROFILES[args.profile as DeliveryProfileName].attemptTimeoutMs;
  const wallClock = new RealClock();
  const sim = new Simulation({ clock: wallClock, seed: args.seed });
  const random = sim.random.fork("send");
  const expectation = mode === "valid" ? "2xx" : "4xx";
  let unanswered = 0;
  try {
    for (let index = 1; index <= args.count; index++) {
      const nowMs = wallClock.now();
      const link = random.pick(sim.workspace.links);
      const click = sim.createDetachedClick(link, Math.floor(nowMs * 1_000));
      const event = buildClickEvent(
        `evt_${random.hex(24)}`,
        formatTimestampUs(nowMs * 1_000),
        click,
      );
      const delivery = {
        id: `dlv_${random.hex(24)}`,
        eventType: event.type,
        body: encodeGoJson(event),
      };
      const sends = args.duplicate ? 2 : 1;
      for (let copy = 1; copy <= sends; copy++) {
        const signed = signForMode(mode, delivery, args, copy, random);
        const response = await post(url, signed.headers, signed.body, timeoutMs);
        if (response.statusCode === undefined) {
          unanswered++;
        }
        const label = sends === 2 ? `${index}.${copy}` : String(index);
        process.stdout.write(`${formatLine(label, delivery.id, response, expectation)}\n`);
      }
    }
  } finally {
    await sim.close();
  }
  return unanswered === 0 ? 0 : 1;
}

interface Signed {
  readonly headers: Record<string, string>;
  readonly body: string;
}

function signForMode(
  mode: Mode,
  delivery: { id: string; eventType: string; body: string },
  args: SendArguments,
  attemptNumber: number,
  random: Simulation["random"],
): Signed {
  const timestamp = wallClockUnixSeconds();
  const headers = Dispatcher.signedHeaders(delivery, args.secret, attemptNumber, timestamp);
  const body = delivery.body;
  switch (mode) {
    case "valid":
      return { headers, body };
    case "wrong-secret":
      headers[HEADER_SIGNATURE] = `v1=${computeSignature(generateSecret(random), timestamp, body)}`;
      return { headers, body };
    case "stale":
    case "future": {
      const skewed = timestamp + (mode === "stale" ? -SKEW_SECONDS : SKEW_SECONDS);
      headers[HEADER_TIMESTAMP] = String(skewed);
      headers[HEADER_SIGNATURE] = `v1=${computeSignature(args.secret, skewed, body)}`;
      return { headers, body };
    }
    case "tamper-body":
      // Signed over the original bytes; one field changes afterwards, as a forger would.
      return { headers, body: body.replace('"suspected_bot":false', '"suspected_bot":true ') };
    case "malformed-signature": {
      const kind =
        MALFORMED_SIGNATURE_KINDS[
          args.malformedSignature as keyof typeof MALFORMED_SIGNATURE_KINDS
        ];
      const probe = SIGNATURE_PROBES.find((candidate) => candidate.kind === kind);
      probe?.tamper(headers, {
        body,
        secret: args.secret,
        random,
        validSignatureHex: computeSignature(args.secret, timestamp, body),
      });
      return { headers, body };
    }
  }
}

interface PostResult {
  readonly statusCode?: number;
  readonly error?: string;
  readonly latencyMs: number;
  readonly preview: string;
}

async function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  const startedAt = performance.now();
  try {
    const response = await request(url, {
      method: "POST",
      headers,
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      received += (chunk as Buffer).length;
      if (received >= READ_CAP_BYTES) {
        response.body.destroy();
        break;
      }
    }
    const text = Buffer.concat(chunks).toString("utf8");
    return {
      statusCode: response.statusCode,
      latencyMs: performance.now() - startedAt,
      preview: text.length > PREVIEW_BYTES ? `${text.slice(0, PREVIEW_BYTES)}…` : text,
    };
  } catch (error) {
    return {
      error: error instanceof Error ? error.message : String(error),
      latencyMs: performance.now() - startedAt,
      preview: "",
    };
  }
}

function formatLine(
  label: string,
  deliveryId: string,
  response: PostResult,
  expectation: "2xx" | "4xx",
): string {
  const latency = `${response.latencyMs.toFixed(1)} ms`;
  if (response.statusCode === undefined) {
    return `#${label} ${deliveryId}  no answer (${response.error})  ${latency}  verdict: FAIL, expected ${expectation}`;
  }
  const status = response.statusCode;
  const ok = expectation === "2xx" ? status >= 200 && status < 300 : status >= 400 && status < 500;
  const preview = JSON.stringify(response.preview.replace(/\s+/g, " "));
  return `#${label} ${deliveryId}  ${status}  ${latency}  ${preview}  verdict: ${ok ? "ok" : "FAIL"}, expected ${expectation}`;
}

function parseMode(args: SendArguments): Mode {
  const chosen: Mode[] = [];
  if (args.wrongSecret) chosen.push("wrong-secret");
  if (args.stale) chosen.push("stale");
  if (args.future) chosen.push("future");
  if (args.tamperBody) chosen.push("tamper-body");
  if (args.malformedSignature !== undefined) chosen.push("malformed-signature");
  if (chosen.length > 1) {
    throw usage(
      `Conflicting options: ${chosen.map((mode) => `--${mode}`).join(", ")}. Choose at most one way to break the signature.`,
    );
  }
  return chosen[0] ?? "valid";
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`Invalid --url "${text}": expected an absolute http(s) URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usage(`Invalid --url "${text}": expected the http or https scheme, got ${url.protocol}`);
  }
  return url;
}

function usage(message: string): ElidoSimError {
  return new ElidoSimError("ELIDO_SIM_ERR_USAGE", message);
}
