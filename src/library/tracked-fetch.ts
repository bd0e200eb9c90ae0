import type { Scheduler } from "../clock/scheduler.js";

/** The signature of the global `fetch`. */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

// A response with one of these statuses cannot carry a body (Fetch standard, "null body status").
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `baseFetch` so that the scheduler tracks each request until its whole body has been
 * read: on a virtual clock, simulated time then does not move while a request is in flight, and
 * the caller's next step happens at the simulated time the response was sent.
 *
 * The returned `Response` is rebuilt from the buffered body, so `url` and `redirected` are not
 * kept. Errors reach the caller only; the scheduler ignores them.
 */
export function createTrackedFetch(
  scheduler: Scheduler,
  baseFetch: FetchFunction = (input, init) => fetch(input, init),
): FetchFunction {
  return (input, init) => {
    const buffered = (async () => {
      const response = await baseFetch(input, init);
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    })();
    scheduler.track(buffered.then(ignore, ignore));
    return buffered;
  };
}

function ignore(): void {}
