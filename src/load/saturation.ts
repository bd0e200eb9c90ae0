import type { Calibration } from "./calibrate.js";

/** Which side limited the throughput of a run. */
export type LoadLimit = "receiver" | "generator" | "none";

export interface SaturationVerdict {
  readonly limit: LoadLimit;
  readonly explanation: string;
}

/** Generator CPU share of one core from which the generator counts as busy. */
const BUSY_CPU_SHARE = 0.9;
/** Share of the calibrated ceiling from which the achieved rate counts as near it. */
const NEAR_CEILING = 0.8;
/** Share of the requested rate from which a fixed-rate run counts as having held it. */
const RATE_HELD = 0.95;

/**
 * Decides whether the receiver or the load generator limited the run. The generator was the
 * limit when its process used about a full core and the achieved rate is near the ceiling
 * calibrated against a trivial responder; otherwise it had headroom and the receiver was the
 * limit. autocannon runs on one thread here, so one core is the generator's ceiling.
 */
export function judgeSaturation(input: {
  readonly achievedRate: number;
  readonly targetRate: number | undefined;
  readonly cpuShare: number;
  readonly calibration: Calibration | undefined;
  readonly connections: number;
}): SaturationVerdict {
  const { achievedRate, targetRate, cpuShare, calibration, connections } = input;
  const cpu = `generator CPU ${(cpuShare * 100).toFixed(0)} % of one core`;
  if (targetRate !== undefined && achievedRate >= targetRate * RATE_HELD) {
    return {
      limit: "none",
      explanation: `The requested ${targetRate} requests/s was held (${achievedRate.toFixed(0)}/s achieved, ${cpu}).`,
    };
  }
  const busy = cpuShare >= BUSY_CPU_SHARE;
  if (calibration !== undefined) {
    const share = calibration.ceilingRate > 0 ? achievedRate / calibration.ceilingRate : 0;
    const ceiling = `${(share * 100).toFixed(0)} % of the generator's calibrated ceiling of about ${calibration.ceilingRate.toFixed(0)}/s on one core`;
    if (busy && share >= NEAR_CEILING) {
      return {
        limit: "generator",
        explanation: `The load generator was the limit: ${achievedRate.toFixed(0)}/s is ${ceiling}, with ${cpu}. The receiver may handle more; run the generator on more cores or machines.`,
      };
    }
    const caveat = busy
      ? " The generator process was nonetheless busy, so something else in it (an in-process receiver, large responses) took CPU; treat this verdict with care."
      : "";
    return {
      limit: "receiver",
      explanation: `The receiver was the limit: ${achievedRate.toFixed(0)}/s is ${ceiling}, ${cpu}. With ${connections} connections each waiting for its answer, more --connections may push it further.${caveat}`,
    };
  }
  if (busy) {
    return {
      limit: "generator",
      explanation: `The load generator was probably the limit: ${cpu}. No calibration ran, so this rests on CPU alone; run with --calibrate to compare with the generator's ceiling.`,
    };
  }
  return {
    limit: "receiver",
    explanation: `The receiver was the limit: the generator had headroom (${cpu}). With ${connections} connections each waiting for its answer, more --connections may push it further.`,
  };
}
