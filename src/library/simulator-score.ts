import { type Observation, ObservationError, readObservation } from "../scoring/observation.js";
import { scoreIntegration, type Verdict } from "../scoring/score.js";
import type { ReceiverRegistration, Simulator } from "./simulator.js";
import { SimulatorUsageError } from "./simulator-errors.js";

/**
 * The record of what an integration processed. It is one of: click ids, one entry per
 * processing (a click processed twice appears twice); a parsed `Observation`; a URL or file
 * path in a format of `elido-sim run --observe`; or a function returning one of these, called
 * at scoring time.
 */
export type ObservationInput =
  | readonly string[]
  | Observation
  | string
  | (() => ObservationInputValue | Promise<ObservationInputValue>);

type ObservationInputValue = readonly string[] | Observation | string;

export interface ScoredPart {
  /** The click ids this part recorded. Default: the top-level `observe`. */
  readonly observe?: ObservationInput;
}

export interface ScoredReceiver extends ScoredPart {
  /** Endpoint id of the receiver to judge. Default: the only one registered. */
  readonly endpointId?: string;
}

export interface ScoreOptions {
  /** Run the receiver checks: deliveries accepted, signature probes, outage gap, ledger. */
  readonly receiver?: boolean | ScoredReceiver;
  /** Run the poller checks: coverage, cursors, Retry-After, efficiency, lag, end state. */
  readonly poller?: boolean | ScoredPart;
  /** Judge the receiver's ledger against the ground truth as well, as a hybrid must match it. */
  readonly hybrid?: boolean | ScoredPart;
  /** The click ids the integration recorded, for each part without an `observe` of its own. */
  readonly observe?: ObservationInput;
}

interface ReadObservation {
  readonly observation: Observation | undefined;
  readonly observationError?: string;
}

/** Scores `sim` at its current time; see `Simulator.score`. */
export async function scoreSimulator(sim: Simulator, options: ScoreOptions): Promise<Verdict> {
  const noPartChosen =
    options.receiver === undefined && options.poller === undefined && options.hybrid === undefined;
  const receiverPart = partOf(
    noPartChosen ? sim.receivers.length > 0 : (options.receiver ?? false),
  ) as ScoredReceiver | undefined;
  const pollerPart = partOf(noPartChosen ? sim.receivers.length === 0 : (options.poller ?? false));
  const hybridPart = partOf(options.hybrid ?? false);
  const endMs = sim.now();
  const expectations = sim.options.expectations;
  const groundTruth = sim.groundTruth;

  let receiverInput: Parameters<typeof scoreIntegration>[0]["receiver"];
  if (receiverPart !== undefined) {
    const registration = pickReceiver(sim.receivers, receiverPart.endpointId);
    receiverInput = {
      groundTruth,
      deliveries: sim.deliveries(registration.endpointId),
      probes: sim.probeResults(registration.endpointId),
      outages: sim.deliveryFaults.outages,
      ...(await resolveObservation(receiverPart.observe ?? options.observe)),
      expectations: { minAcceptedShare: expectations.minAcceptedShare },
    };
  }
  const pollerInput =
    pollerPart === undefined
      ? undefined
      : {
          groundTruth,
          requests: sim.requestLog.all(),
          endMs,
          ...(await resolveObservation(pollerPart.observe ?? options.observe)),
          expectations: {
            minCoverage: expectations.minCoverage,
            maxPollerLagP99Ms: expectations.maxPollerLagP99Ms,
            maxRequestsPerClick: expectations.maxRequestsPerClick,
          },
        };
  const hybridInput =
    hybridPart === undefined
      ? undefined
      : {
          groundTruth,
          endMs,
          ...(await resolveObservation(hybridPart.observe ?? options.observe)),
        };
  return scoreIntegration({
    ...(receiverInput === undefined ? {} : { receiver: receiverInput }),
    ...(pollerInput === undefined ? {} : { poller: pollerInput }),
    ...(hybridInput === undefined ? {} : { hybrid: hybridInput }),
  });
}

function partOf(choice: boolean | ScoredPart): ScoredPart | undefined {
  if (choice === false) {
    return undefined;
  }
  return choice === true ? {} : choice;
}

function pickReceiver(
  receivers: readonly ReceiverRegistration[],
  endpointId: string | undefined,
): ReceiverRegistration {
  if (endpointId !== undefined) {
    const found = receivers.find((registration) => registration.endpointId === endpointId);
    if (found === undefined) {
      throw new SimulatorUsageError(
        `Receiver "${endpointId}" not found: expected the endpointId of a receiver added with addReceiver(), one of ${listIds(receivers)}.`,
      );
    }
    return found;
  }
  const [only, ...others] = receivers;
  if (only === undefined) {
    throw new SimulatorUsageError(
      "No receiver to score: add one with addReceiver(), or score a poller with { poller: true }.",
    );
  }
  if (others.length > 0) {
    throw new SimulatorUsageError(
      `Several receivers are registered (${listIds(receivers)}): pass { receiver: { endpointId } } to choose one.`,
    );
  }
  return only;
}

function listIds(receivers: readonly ReceiverRegistration[]): string {
  return receivers.length === 0
    ? "none registered"
    : receivers.map((registration) => registration.endpointId).join(", ");
}

/** Turns an `ObservationInput` into an observation; a source that cannot be read becomes an error the checks report. */
async function resolveObservation(input: ObservationInput | undefined): Promise<ReadObservation> {
  if (input === undefined) {
    return { observation: undefined };
  }
  let value: ObservationInputValue;
  try {
    value = typeof input === "function" ? await input() : input;
  } catch (error) {
    return {
      observation: undefined,
      observationError: `the observe function failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (typeof value === "string") {
    try {
      return { observation: await readObservation(value) };
    } catch (error) {
      if (!(error instanceof ObservationError)) {
        throw error;
      }
      return { observation: undefined, observationError: error.message };
    }
  }
  if (isObservation(value)) {
    return { observation: value };
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    return {
      observation: undefined,
      observationError:
        "observe: expected an array of click ids, an Observation, a URL or file path, or a function returning one",
    };
  }
  return { observation: { kind: "click_ids", source: "in-process list", clickIds: [...value] } };
}

function isObservation(value: ObservationInputValue): value is Observation {
  return !Array.isArray(value) && typeof value === "object" && "kind" in value;
}
