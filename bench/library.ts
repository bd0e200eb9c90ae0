/**
 * Benchmark of the in-process simulator: the simulated day of examples/in-process (24 hours of
 * traffic, a 30-minute receiver outage, the reference receiver and the reference poller in this
 * process), timed from `createSimulator` to the last `score`.
 */
import { cpus } from "node:os";
import {
  DAY_RATE_PER_SECOND,
  dayWithOutageOptions,
  playReferenceIntegrations,
} from "../examples/in-process/day-with-outage.js";
import { createSimulator } from "../src/index.js";

/** Wall-time goal of the simulated day, in milliseconds. */
const DAY_GOAL_MS = 5_000;

export interface InProcessDayResult {
  readonly ratePerSecond: number;
  readonly wallMs: number;
  readonly simulatedMs: number;
  readonly eventsFired: number;
  readonly clicks: number;
  readonly attempts: number;
  readonly apiRequests: number;
  /** True when both verdicts passed, so the timing is of a correct run. */
  readonly passed: boolean;
}

/** Runs the simulated day once at `ratePerSecond` and measures it. */
export async function measureInProcessDay(
  ratePerSecond: number = DAY_RATE_PER_SECOND,
): Promise<InProcessDayResult> {
  const startedAt = performance.now();
  const sim = await createSimulator(dayWithOutageOptions(ratePerSecond));
  try {
    const ledgers = await playReferenceIntegrations(sim);
    const receiverVerdict = await sim.score({ receiver: { observe: ledgers.receiverClickIds } });
    const pollerVerdict = await sim.score({ poller: { observe: ledgers.pollerClickIds } });
    const wallMs = performance.now() - startedAt;
    const stats = sim.stats();
    return {
      ratePerSecond,
      wallMs,
      simulatedMs: sim.now() - sim.startMs,
      eventsFired: stats.eventsFired,
      clicks: stats.clicks,
      attempts: stats.attempts,
      apiRequests: stats.apiRequests,
      passed: receiverVerdict.passed && pollerVerdict.passed,
    };
  } finally {
    await sim.close();
  }
}

/** Renders results as the in-process table of docs/benchmarks.md. */
export function renderInProcessTable(results: readonly InProcessDayResult[]): string {
  const lines = [
    "| Scenario | Clicks | Events fired | Attempts | API requests | Wall time | Events per second | Goal |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...results.map((result) => {
      const hours = Math.round(result.simulatedMs / 3_600_000);
      const status = result.passed ? "" : " (a verdict failed)";
      return (
        `| ${hours} h at ${result.ratePerSecond} clicks/s${status} | ${result.clicks} | ${result.eventsFired} | ` +
        `${result.attempts} | ${result.apiRequests} | ${(result.wallMs / 1_000).toFixed(1)} s | ` +
        `${Math.round(result.eventsFired / (result.wallMs / 1_000))}/s | < ${DAY_GOAL_MS / 1_000} s |`
      );
    }),
  ];
  return lines.join("\n");
}

/** Rates the benchmark runs: the example's own, then a half and a quarter of it. */
export const BENCH_RATES: readonly number[] = [
  DAY_RATE_PER_SECOND,
  DAY_RATE_PER_SECOND / 2,
  DAY_RATE_PER_SECOND / 4,
];

/** Measures every rate of `BENCH_RATES` in turn and returns the table with the machine line. */
export async function measureInProcessRows(): Promise<string> {
  const results: InProcessDayResult[] = [];
  for (const rate of BENCH_RATES) {
    results.push(await measureInProcessDay(rate));
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node.js ${process.version}`;
  return `In-process simulated day (examples/in-process), ${machine}:\n\n${renderInProcessTable(results)}\n`;
}
