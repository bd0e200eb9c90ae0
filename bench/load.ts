/**
 * Benchmark of `elido-sim load`: responses per second at maximum throughput against the trivial
 * receiver, as a ratio to plain autocannon posting a fixed body in the same run.
 */
import { resolveLoadOptions } from "../src/load/load-options.js";
import { runLoad } from "../src/load/run-load.js";

/** Runs `load` for `seconds` over `connections` and returns its responses per second. */
export async function measureLoad(
  url: string,
  connections: number,
  seconds: number,
): Promise<number> {
  const report = await runLoad(
    resolveLoadOptions({
      target: url,
      secret: "whsec_bench",
      connections,
      duration: seconds,
      warmup: 1,
      calibrate: false,
    }),
  );
  if (!report.passed) {
    throw new Error(
      `The load benchmark failed a check: ${report.checks.map((c) => `${c.id}=${c.status}`).join(", ")}.`,
    );
  }
  return report.throughput.perSecond;
}
