/**
 * vitest helpers of elido-sim, as `import { … } from "elido-sim/vitest"`: a simulator per test,
 * and assertions on a `Verdict` whose failure names each failed check with its summary and
 * evidence. Importing this module registers the matchers `toPassAllChecks` and `toHaveCheck`.
 * vitest is a peer dependency of this entry only.
 */
import { afterEach, beforeEach, expect } from "vitest";
import { createSimulator, type Simulator } from "../library/simulator.js";
import { SimulatorUsageError } from "../library/simulator-errors.js";
import type { SimulatorOptions } from "../library/simulator-options.js";
import type { CheckResult, CheckStatus } from "../scoring/check-result.js";
import type { Verdict } from "../scoring/score.js";

/**
 * The timers to fake for the code under test, as `vi.useFakeTimers({ toFake })` takes them.
 * `setImmediate` stays real because `Simulator.advance` waits one `setImmediate` turn for
 * in-flight work to settle, and a faked one never fires. `performance` stays real for latency
 * measurement, and `nextTick` and `queueMicrotask` for promises and streams.
 */
export const FAKE_TIMERS_FOR_USER_CODE = Object.freeze([
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "Date",
] as const);

export interface SimulatorFixture {
  /** The current test's simulator; readable inside `it`, `beforeEach` and `afterEach` only. */
  readonly sim: Simulator;
}

/**
 * Creates a simulator before each test of the enclosing `describe` (or file) and closes it
 * after. Pass a function to build the options per test.
 */
export function useSimulator(
  options?: SimulatorOptions | (() => SimulatorOptions),
): SimulatorFixture {
  let current: Simulator | undefined;
  beforeEach(async () => {
    current = await createSimulator(typeof options === "function" ? options() : options);
  });
  afterEach(async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
  });
  return {
    get sim(): Simulator {
      if (current === undefined) {
        throw new SimulatorUsageError(
          "useSimulator(): no simulator outside a test. Read fixture.sim inside it(), beforeEach() or afterEach().",
        );
      }
      return current;
    },
  };
}

export interface PassOptions {
  /** Check ids whose failure is expected and ignored. Default: none. */
  readonly ignore?: readonly string[];
  /** Count `not_observed` checks as failures too. Default: false, as `elido-sim run` does. */
  readonly requireObserved?: boolean;
}

/** Returns the checks of `verdict` that fail under `options`, in the verdict's fixed order. */
export function failedChecks(verdict: Verdict, options: PassOptions = {}): CheckResult[] {
  const ignored = new Set(options.ignore ?? []);
  return verdict.checks.filter(
    (check) =>
      !ignored.has(check.id) &&
      (check.status === "fail" ||
        (options.requireObserved === true && check.status === "not_observed")),
  );
}

/**
 * Formats checks as the scorecard does: status, id and title, then the summary, the evidence
 * lines and the hint, indented.
 */
export function formatChecks(checks: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const check of checks) {
    const label = check.status === "not_observed" ? "NOT OBSERVED" : check.status.toUpperCase();
    lines.push(`${label}  ${check.id}  ${check.title}`, `      ${check.summary}`);
    for (const evidence of check.evidence) {
      lines.push(`        ${evidence}`);
    }
    if (check.hint !== undefined && check.status === "fail") {
      lines.push(`      hint: ${check.hint}`);
    }
  }
  return lines.join("\n");
}

/**
 * Throws an `Error` naming every failed check with its summary and evidence, unless every
 * check of `verdict` passed; for test runners without `expect.extend`.
 */
export function expectChecksToPass(verdict: Verdict, options: PassOptions = {}): void {
  const failed = failedChecks(verdict, options);
  if (failed.length > 0) {
    throw new Error(describeFailures(verdict, failed));
  }
}

function describeFailures(verdict: Verdict, failed: readonly CheckResult[]): string {
  return `expected every check to pass, but ${failed.length} of ${verdict.checks.length} did not:\n\n${formatChecks(failed)}`;
}

function isVerdict(value: unknown): value is Verdict {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as { checks?: unknown }).checks) &&
    typeof (value as { passed?: unknown }).passed === "boolean"
  );
}

function notAVerdict(received: unknown): { pass: false; message: () => string } {
  return {
    pass: false,
    message: () =>
      `expected a Verdict from sim.score() or runScenario(), got ${typeof received === "object" ? JSON.stringify(received)?.slice(0, 200) : String(received)}`,
  };
}

expect.extend({
  toPassAllChecks(received: unknown, options?: PassOptions) {
    if (!isVerdict(received)) {
      return notAVerdict(received);
    }
    const failed = failedChecks(received, options);
    return {
      pass: failed.length === 0,
      message: () =>
        failed.length === 0
          ? `expected a failed check, but all ${received.checks.length} checks passed:\n\n${formatChecks(received.checks)}`
          : describeFailures(received, failed),
    };
  },
  toHaveCheck(received: unknown, id: string, status: CheckStatus = "pass") {
    if (!isVerdict(received)) {
      return notAVerdict(received);
    }
    const check = received.checks.find((candidate) => candidate.id === id);
    if (check === undefined) {
      return {
        pass: false,
        message: () =>
          `expected check "${id}" in the verdict, but it has only: ${received.checks.map((candidate) => candidate.id).join(", ")}`,
      };
    }
    return {
      pass: check.status === status,
      message: () =>
        check.status === status
          ? `expected check "${id}" not to be ${status}, but it is:\n\n${formatChecks([check])}`
          : `expected check "${id}" to be ${status}, but it is ${check.status}:\n\n${formatChecks([check])}`,
    };
  },
});

/** The matchers this module registers on vitest's `expect`. */
export interface VerdictMatchers<R = unknown> {
  /** Passes when no check failed (ignoring `options.ignore`); the failure lists each failed check with its evidence. */
  toPassAllChecks(options?: PassOptions): R;
  /** Passes when the check `id` has `status`. Default status: `pass`. */
  toHaveCheck(id: string, status?: CheckStatus): R;
}

declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: vitest declares Matchers<T = any>; merging needs the same default.
  interface Matchers<T = any> extends VerdictMatchers<T> {}
}
