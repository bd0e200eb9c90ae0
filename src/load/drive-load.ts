import type { EventEmitter } from "node:events";
import autocannon from "autocannon";
import { RealClock } from "../clock/scaled-clock.js";
import { Random } from "../model/random.js";
import { DeliverySource } from "./delivery-source.js";
import { ErrorRateWindow } from "./error-rate-window.js";
import { LatencyHistogram } from "./latency-stats.js";
import type { LoadOptions } from "./load-options.js";
import { SendKind, SendLog, STATUS_NO_RESPONSE } from "./send-log.js";

/**
 * Options of one autocannon run: the load options without calibration, which is a run of its
 * own. Times are in milliseconds, and `maxDurationMs` stops the run, warmup included, even
 * before `amount` is reached.
 */
export type DriveOptions = Omit<LoadOptions, "calibrate" | "calibrateDurationMs">;

/** Outcomes of the requests whose completion fell into one second of the run. */
export interface TimelineSecond {
  /** Seconds since the first request, from 0. */
  readonly second: number;
  ok: number;
  non2xx: number;
  noResponse: number;
}

/** Raw measurements of one run, before they are judged. */
export interface Measurement {
  readonly source: DeliverySource;
  readonly log: SendLog;
  /** Latency from the actual write of each request to its complete response. */
  readonly serviceTime: LatencyHistogram;
  /** Fixed-rate mode only: latency from each request's intended send time. */
  readonly fromIntended: LatencyHistogram | undefined;
  readonly timeline: TimelineSecond[];
  /** Responses to requests sent inside the measured window. */
  readonly measuredResponses: number;
  /** Length of the measured window, in seconds. */
  readonly measuredSeconds: number;
  /** Wall time of the whole run, warmup included, in seconds. */
  readonly wallSeconds: number;
  /** Process CPU time (user + system) over the run divided by its wall time: 1 is one core. */
  readonly cpuShare: number;
  readonly socketErrors: number;
  readonly timeouts: number;
  /** Why the run stopped early, when it did. */
  readonly stopReason: string | undefined;
  readonly aborted: boolean;
}

/** Sample interval of autocannon in ms; it also bounds how late a stop takes effect. */
const SAMPLE_INTERVAL_MS = 100;

/** Per-connection state: autocannon sends one request at a time on each connection. */
interface ConnectionState {
  sendIndex: number;
  sentAtMs: number;
  intendedAtMs: number;
}

/**
 * Drives autocannon with freshly signed deliveries and times every request itself, in
 * microseconds, from the moment its bytes are built to the end of its response.
 *
 * Requests are matched to responses per connection: with pipelining 1 a connection has at most
 * one request in flight, so a response belongs to the connection's last request. When
 * autocannon requests the next bytes for a connection whose last request got no response,
 * that request was lost to a timeout, a socket error or a closed connection.
 */
export async function driveLoad(options: DriveOptions): Promise<Measurement> {
  const clock = new RealClock();
  const log = new SendLog();
  const random = new Random(options.seed).fork("load");
  const source = new DeliverySource({
    target: options.target,
    secret: options.secret,
    duplicates: options.duplicates,
    invalid: options.invalid,
    random,
    startMs: clock.now(),
    log,
  });
  const serviceTime = new LatencyHistogram();
  const fromIntended = options.rate === undefined ? undefined : new LatencyHistogram();
  const errorWindow = new ErrorRateWindow();
  const timeline: TimelineSecond[] = [];
  const intervalMs = options.rate === undefined ? 0 : 1_000 / options.rate;

  let startMs = -1;
  let measureFromMs = Number.POSITIVE_INFINITY;
  let measureUntilMs = Number.POSITIVE_INFINITY;
  let lastResponseMs = 0;
  let measuredResponses = 0;
  let socketErrors = 0;
  let timeouts = 0;
  let stopReason: string | undefined;
  let aborted = false;
  let instance: autocannon.Instance | undefined;

  const stop = (reason: string, abort: boolean): void => {
    if (stopReason === undefined) {
      stopReason = reason;
      aborted = abort;
      instance?.stop();
    }
  };

  const timelineAt = (nowMs: number): TimelineSecond => {
    const second = Math.max(0, Math.floor((nowMs - startMs) / 1_000));
    for (let index = timeline.length; index <= second; index++) {
      timeline.push({ second: index, ok: 0, non2xx: 0, noResponse: 0 });
    }
    return timeline[second] as TimelineSecond;
  };

  const checkErrorRate = (nowMs: number, error: boolean): void => {
    const rate = errorWindow.record(nowMs, error);
    if (rate > options.maxErrorRate) {
      stop(
        `error rate ${(rate * 100).toFixed(1)} % over the last second exceeded --max-error-rate ${options.maxErrorRate}`,
        true,
      );
    }
  };

  const loseRequest = (state: ConnectionState, nowMs: number): void => {
    log.complete(state.sendIndex, STATUS_NO_RESPONSE);
    timelineAt(nowMs).noResponse++;
    state.sendIndex = -1;
    checkErrorRate(nowMs, true);
  };

  const completeRequest = (state: ConnectionState, status: number): void => {
    const nowMs = performance.now();
    const sendIndex = state.sendIndex;
    if (sendIndex < 0) {
      return;
    }
    state.sendIndex = -1;
    log.complete(sendIndex, status);
    const ok = status >= 200 && status < 300;
    const bucket = timelineAt(nowMs);
    if (ok) {
      bucket.ok++;
    } else {
      bucket.non2xx++;
    }
    lastResponseMs = nowMs;
    if (state.sentAtMs >= measureFromMs && state.sentAtMs < measureUntilMs) {
      measuredResponses++;
      serviceTime.record((nowMs - state.sentAtMs) * 1_000);
      // Open model: a request that left late because every connection was busy is charged
      // from when it should have left; one that left early (autocannon sends each second's
      // share as soon as a connection is free) is charged from when it left.
      fromIntended?.record((nowMs - Math.min(state.sentAtMs, state.intendedAtMs)) * 1_000);
    }
    checkErrorRate(nowMs, !ok && log.kind(sendIndex) !== SendKind.invalid);
  };

  const nextRequest = (state: ConnectionState): string => {
    const nowMs = performance.now();
    if (state.sendIndex >= 0) {
      loseRequest(state, nowMs);
    }
    if (startMs < 0) {
      startMs = nowMs;
      measureFromMs = nowMs + options.warmupMs;
      if (options.durationMs !== undefined) {
        measureUntilMs = measureFromMs + options.durationMs;
      }
    }
    const delivery = source.next();
    state.sendIndex = delivery.sendIndex;
    state.intendedAtMs = startMs + delivery.sendIndex * intervalMs;
    // Timed after signing because autocannon writes the returned bytes to the socket next.
    state.sentAtMs = performance.now();
    return delivery.request;
  };

  const setupClient = (client: autocannon.Client): void => {
    const state: ConnectionState = { sendIndex: -1, sentAtMs: 0, intendedAtMs: 0 };
    replaceRequestBuffer(client, () => nextRequest(state));
    client.on("response", (status: number) => completeRequest(state, status));
    (client as unknown as EventEmitter).on("timeout", () => {
      timeouts++;
    });
    (client as unknown as EventEmitter).on("connError", () => {
      socketErrors++;
    });
  };

  const totalMs =
    options.durationMs === undefined
      ? options.maxDurationMs
      : Math.min(options.maxDurationMs, options.warmupMs + options.durationMs);
  const cpuBefore = process.cpuUsage();
  const wallBeforeMs = performance.now();
  const stopTimer = clock.setTimer(totalMs, () =>
    stop(
      options.durationMs === undefined || options.warmupMs + options.durationMs > totalMs
        ? `--max-duration ${options.maxDurationMs / 1_000} s reached`
        : "duration reached",
      false,
    ),
  );
  let result: autocannon.Result;
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: options.target.origin,
          method: "POST",
          connections: options.connections,
          pipelining: 1,
          timeout: options.timeoutSeconds,
          sampleInt: SAMPLE_INTERVAL_MS,
          // Stops come from the timer above; autocannon's own duration is a backstop.
          duration: totalMs / 1_000 + 1,
          ...(options.amount === undefined ? {} : { amount: options.amount }),
          ...(options.rate === undefined ? {} : { overallRate: options.rate }),
          setupClient,
        },
        (error, output) => (error ? reject(error) : resolve(output)),
      );
    });
  } finally {
    clock.clearTimer(stopTimer);
  }
  const endMs = performance.now();
  const wallMs = endMs - wallBeforeMs;
  const cpu = process.cpuUsage(cpuBefore);
  void result;

  // The window closes at the planned end, or earlier at the last response of a run that
  // stopped early or ran out of `amount`.
  const windowEndMs = Math.min(measureUntilMs, stopReason === undefined ? lastResponseMs : endMs);
  const measuredSeconds = Math.max(0, (windowEndMs - measureFromMs) / 1_000);
  return {
    source,
    log,
    serviceTime,
    fromIntended,
    timeline,
    measuredResponses,
    measuredSeconds,
    wallSeconds: wallMs / 1_000,
    cpuShare: (cpu.user + cpu.system) / 1_000 / wallMs,
    socketErrors,
    timeouts,
    stopReason: stopReason ?? (options.amount === undefined ? "duration reached" : "amount sent"),
    aborted,
  };
}

/** The autocannon 9 Client method that returns each request's bytes, missing from its typings. */
interface RequestBufferSource {
  getRequestBuffer?: () => Buffer | string;
}

/**
 * Makes `client` write the request that `build` returns as each of its requests, the first one
 * included, in place of autocannon's own request.
 *
 * autocannon's public hook, `setupRequest`, rebuilds each request through its request builder.
 * That builder copies every option of the run into a new object per request and joins the
 * headers and body again, which cost about four times the CPU of signing (an estimate from one
 * profile against the trivial benchmark receiver). autocannon 9.0 (lib/httpClient.js) calls
 * `getRequestBuffer()` once per request and passes the result straight to `socket.write()`,
 * which takes a string as well as a Buffer, and uses it nowhere else. Replacing the method on
 * the instance hands autocannon the finished request, and its pacing, `amount`, timeouts,
 * reconnects and response parsing stay as they are. The check below fails loudly if a later
 * autocannon drops the method.
 */
function replaceRequestBuffer(client: autocannon.Client, build: () => string): void {
  const target = client as unknown as RequestBufferSource;
  if (typeof target.getRequestBuffer !== "function") {
    throw new Error(
      "autocannon's Client has no getRequestBuffer() method, so elido-sim load cannot hand it signed requests. Install the pinned autocannon (npm install autocannon@~9.0.0).",
    );
  }
  target.getRequestBuffer = build;
}
