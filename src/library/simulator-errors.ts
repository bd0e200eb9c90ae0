/** Thrown by `createSimulator` when options are invalid; the message lists every problem. */
export class SimulatorOptionsError extends Error {
  readonly code = "ELIDO_SIM_ERR_SIMULATOR_OPTIONS_INVALID";
  /** One entry per invalid option, each naming the option, the value received and the accepted form. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid simulator options: ${problems.join("; ")}. Fix these options of createSimulator().`,
    );
    this.name = "SimulatorOptionsError";
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * Thrown when a simulator method gets an invalid argument, or is called in a state where it
 * cannot work: after `close()`, during another `advance()`, or scoring a receiver when none or
 * several are registered.
 */
export class SimulatorUsageError extends Error {
  readonly code = "ELIDO_SIM_ERR_SIMULATOR_USAGE";

  constructor(message: string) {
    super(message);
    this.name = "SimulatorUsageError";
  }
}
