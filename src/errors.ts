/**
 * The error catalogue of elido-sim. Callers branch on `code`, never on message text. Each code
 * maps to the CLI exit code it ends a run with.
 */
export const ERROR_CODES = {
  /** A command-line option is missing, invalid or contradicts another one. */
  ELIDO_SIM_ERR_USAGE: { exitCode: 2, summary: "invalid command-line usage" },
  /** No scenario file matches the given name or path. */
  ELIDO_SIM_ERR_SCENARIO_NOT_FOUND: { exitCode: 2, summary: "scenario not found" },
  /** The scenario file is not valid YAML or JSON, or breaks the scenario schema. */
  ELIDO_SIM_ERR_SCENARIO_INVALID: { exitCode: 2, summary: "invalid scenario file" },
  /** The receiver command exited early or never accepted connections. */
  ELIDO_SIM_ERR_RECEIVER_START: { exitCode: 2, summary: "receiver did not start" },
  /** No delivery in the delivery log has the given id. */
  ELIDO_SIM_ERR_DELIVERY_NOT_FOUND: { exitCode: 2, summary: "delivery not found" },
  /** The webhook endpoint of a delivery was deleted, so it cannot be redelivered. */
  ELIDO_SIM_ERR_ENDPOINT_NOT_FOUND: { exitCode: 2, summary: "webhook endpoint not found" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable code that the CLI reports without a stack trace. */
export class ElidoSimError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ElidoSimError";
    this.code = code;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }
}
