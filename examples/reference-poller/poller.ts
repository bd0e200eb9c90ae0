/**
 * A reference poller for Elido's analytics API, written the way we recommend pollers work:
 *
 * - every poll reads from an overlap window behind the last position, because clicks become
 *   visible late (ingestion lag) and out of order;
 * - it follows `next_cursor` until it is null, because a window can hold more than one page;
 * - after a 429 or 503 it waits `Retry-After` and retries the same request;
 * - it treats 5xx answers and refused connections as temporary and backs off;
 * - it deduplicates by `click_id`, so overlapping reads record each click once.
 *
 * It uses Node.js's built-in `fetch` only, so it can be copied out of this repository.
 */

export interface PollerOptions {
  /** e.g. `http://127.0.0.1:4010/v1` */
  readonly apiBase: string;
  readonly workspaceId: string;
  readonly apiKey: string;
  /**
   * Simulated seconds per real second of the server's clock (1 against the real service).
   * Intervals and `Retry-After` are in the server's time, so sleeps are divided by it.
   */
  readonly speed?: number;
  /** Time between polls, in the server's milliseconds. Default: 30000. */
  readonly pollIntervalMs?: number;
  /** How far behind the last poll's start each poll re-reads, in the server's milliseconds. Default: 15 minutes. */
  readonly overlapMs?: number;
  /** Page size, 1 to 1000. Default: 1000. */
  readonly pageLimit?: number;
  /** Called once per click id, the first time it is seen. */
  readonly onClick?: (clickId: string) => void;
  /** Receives one line per notable event (errors, back-offs). Default: stderr. */
  readonly log?: (line: string) => void;
  /** Sends the API requests; an in-process simulator passes its tracked `fetch`. Default: the global `fetch`. */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Waits `serverMs` of the server's time; an in-process simulator passes its `sleep`, which
   * runs on the simulated clock. Default: `setTimeout` for `serverMs / speed` real milliseconds.
   */
  readonly sleep?: (serverMs: number) => Promise<void>;
}

interface Page {
  items: Array<{ click_id: string }>;
  next_cursor: string | null;
}

export class ReferencePoller {
  readonly clickIds: string[] = [];
  readonly #seen = new Set<string>();
  readonly #options: Required<Omit<PollerOptions, "onClick" | "sleep">> &
    Pick<PollerOptions, "onClick" | "sleep">;
  #running = false;
  #wake: (() => void) | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: PollerOptions) {
    this.#options = {
      speed: 1,
      pollIntervalMs: 30_000,
      overlapMs: 15 * 60_000,
      pageLimit: 1000,
      log: (line) => process.stderr.write(`${line}\n`),
      // Looked up at each call, so a fetch replaced after construction is used.
      fetch: (input, init) => fetch(input, init),
      ...options,
    };
  }

  /** Starts polling in the background until `stop()`. */
  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#stopped = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#stopped;
  }

  /** Runs one poll: reads the window since the last position minus the overlap, every page of it. */
  async pollOnce(sinceMs: number | undefined): Promise<number | undefined> {
    const base = `${this.#options.apiBase}/analytics/workspaces/${this.#options.workspaceId}/clicks/recent`;
    const params = new URLSearchParams({ limit: String(this.#options.pageLimit) });
    if (sinceMs !== undefined) {
      params.set("from", new Date(sinceMs - this.#options.overlapMs).toISOString());
    }
    let url = `${base}?${params}`;
    let pollStartMs: number | undefined;
    let failures = 0;
    while (this.#running) {
      let response: Response;
      try {
        response = await this.#options.fetch(url, {
          headers: { authorization: `Bearer ${this.#options.apiKey}` },
        });
      } catch (error) {
        failures++;
        this.#options.log(`poller: request failed (${(error as Error).message}); retrying`);
        await this.#sleep(Math.min(60_000, 1_000 * 2 ** failures));
        continue;
      }
      const simNow = Date.parse(response.headers.get("x-sim-now") ?? "");
      if (response.status === 429 || response.status === 503) {
        const retryAfterSeconds = Number(response.headers.get("retry-after") ?? "1");
        await response.body?.cancel();
        this.#options.log(`poller: ${response.status}, waiting Retry-After ${retryAfterSeconds} s`);
        await this.#sleep(Math.max(1, retryAfterSeconds) * 1_000);
        continue;
      }
      if (response.status >= 500) {
        failures++;
        await response.body?.cancel();
        this.#options.log(`poller: ${response.status}; backing off`);
        await this.#sleep(Math.min(60_000, 1_000 * 2 ** failures));
        continue;
      }
      if (response.status !== 200) {
        this.#options.log(`poller: unexpected ${response.status}: ${await response.text()}`);
        return sinceMs;
      }
      failures = 0;
      pollStartMs ??= Number.isNaN(simNow) ? undefined : simNow;
      const page = (await response.json()) as Page;
      for (const item of page.items) {
        if (!this.#seen.has(item.click_id)) {
          this.#seen.add(item.click_id);
          this.clickIds.push(item.click_id);
          this.#options.onClick?.(item.click_id);
        }
      }
      if (page.next_cursor === null) {
        return pollStartMs ?? sinceMs;
      }
      url = `${base}?${new URLSearchParams({ cursor: page.next_cursor, limit: String(this.#options.pageLimit) })}`;
    }
    return sinceMs;
  }

  async #loop(): Promise<void> {
    let sinceMs: number | undefined;
    while (this.#running) {
      sinceMs = await this.pollOnce(sinceMs);
      await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  /** Sleeps `serverMs` of the server's time, waking early on `stop()`. */
  #sleep(serverMs: number): Promise<void> {
    const injected = this.#options.sleep;
    if (injected !== undefined) {
      return new Promise((resolve) => {
        this.#wake = resolve;
        injected(serverMs).then(resolve, resolve);
      });
    }
    return new Promise((resolve) => {
      // Node truncates timer delays to whole milliseconds and may fire up to a millisecond
      // early, which at a high speed is seconds of server time: round up and add one.
      const timer = setTimeout(resolve, Math.ceil(serverMs / this.#options.speed) + 1);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
