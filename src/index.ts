/**
 * The public API of elido-sim, as `import { … } from "elido-sim"`. docs/api.md documents each
 * export; the vitest helpers are a separate entry, `elido-sim/vitest`.
 */

export type { RequestLogEntry } from "./api/request-log.js";
export type { ServerOptions } from "./api/server.js";
// --- Building blocks: the simulation core, server, faults and webhook signing ---
export { buildServer } from "./api/server.js";
export type { Clock, ClockMode, TimerHandle } from "./clock/clock.js";
// --- Clocks ---
export { formatDuration, parseDurationMs } from "./clock/duration.js";
export { RealClock, ScaledClock } from "./clock/scaled-clock.js";
export type { SchedulerOptions, Task } from "./clock/scheduler.js";
export { Scheduler, SchedulerLoopLimitError } from "./clock/scheduler.js";
export { VirtualClock } from "./clock/virtual-clock.js";
export type { SimulationOptions } from "./core/simulation.js";
export { Simulation } from "./core/simulation.js";
export type { ErrorCode } from "./errors.js";
// --- Errors: branch on `code`, never on message text ---
export { ElidoSimError, ERROR_CODES } from "./errors.js";
export type { ApiFault, ApiFaultKind } from "./faults/api-fault-plan.js";
export { ApiFaultPlan, InvalidApiFaultError } from "./faults/api-fault-plan.js";
export type { DeliveryFaultPlanOptions, OutageWindow } from "./faults/delivery-fault-plan.js";
export { DeliveryFaultPlan } from "./faults/delivery-fault-plan.js";
export type { ProbeResult } from "./faults/signature-probes.js";
export { SIGNATURE_PROBES, sendSignatureProbes } from "./faults/signature-probes.js";
// --- Types ---
export type {
  HandlerServer,
  ReceiverHandler,
  ReceiverRequest,
  ReceiverResponse,
} from "./library/handler-receiver.js";
// --- Simulator: the fake API, dispatcher, traffic and faults in-process on a virtual clock ---
export { startHandlerServer } from "./library/handler-receiver.js";
export type {
  AddReceiverOptions,
  ReceiverRegistration,
  SimulatorStats,
} from "./library/simulator.js";
export { createSimulator, Simulator } from "./library/simulator.js";
export { SimulatorOptionsError, SimulatorUsageError } from "./library/simulator-errors.js";
export type {
  ApiFaultOptions,
  DuplicateWindowOptions,
  Duration,
  ExpectationOptions,
  FaultOptions,
  ListenOptions,
  RelativeWindow,
  ResolvedSimulatorOptions,
  SimulatorOptions,
  TimeInput,
  TrafficOptions,
  WebhookOptions,
} from "./library/simulator-options.js";
export {
  DEFAULT_START,
  durationToMs,
  resolveSimulatorOptions,
  timeToMs,
} from "./library/simulator-options.js";
export type {
  ObservationInput,
  ScoredPart,
  ScoredReceiver,
  ScoreOptions,
} from "./library/simulator-score.js";
export type { FetchFunction } from "./library/tracked-fetch.js";
export { createTrackedFetch } from "./library/tracked-fetch.js";
export type { Click, RecordedClick } from "./model/click.js";
export type { GroundTruth } from "./model/ground-truth.js";
export type { Link, Plan, Workspace } from "./model/workspace.js";
export { renderHtmlReport } from "./report/html-report.js";
export { buildJsonReport, renderJsonReport } from "./report/json-report.js";
export { renderJunitReport } from "./report/junit-report.js";
export { renderMarkdownReport } from "./report/markdown-report.js";
export type { ScorecardOptions } from "./report/scorecard.js";
export { renderScorecard } from "./report/scorecard.js";
export type { ReportTargets } from "./report/write-reports.js";
export { writeReports } from "./report/write-reports.js";
// --- Scenarios and runs: scenario files and the runner behind `elido-sim run` ---
export {
  listShippedScenarios,
  loadScenario,
  parseScenario,
  resolveScenarioPath,
  shippedScenariosDir,
} from "./scenario/load-scenario.js";
export type {
  RunOptions,
  RunProgress,
  RunResult,
  RunStartInfo,
} from "./scenario/run-scenario.js";
export { INTEGRATION_ENVIRONMENT, runScenario } from "./scenario/run-scenario.js";
export type { Scenario } from "./scenario/scenario.js";
export { scenarioJsonSchema } from "./scenario/scenario-json-schema.js";
export type { CheckResult, CheckStatus } from "./scoring/check-result.js";
export type { Observation } from "./scoring/observation.js";
// --- Scoring and reports ---
export { ObservationError, parseObservation, readObservation } from "./scoring/observation.js";
export type { PollerScoringInput } from "./scoring/poller-input.js";
export type { IntegrationMode, IntegrationScoringInput, Verdict } from "./scoring/score.js";
export { buildVerdict, scoreIntegration, scoreReceiver } from "./scoring/score.js";
export type { ScoringInput } from "./scoring/scoring-input.js";
export type { TrafficPattern } from "./traffic/traffic-pattern.js";
export type { Attempt, AttemptOutcome, Delivery, DeliveryStatus } from "./webhooks/delivery-log.js";
export { CLICK_RECORDED } from "./webhooks/event.js";
export type { DeliveryProfile, DeliveryProfileName } from "./webhooks/profiles.js";
export {
  DELIVERY_PROFILE_NAMES,
  DELIVERY_PROFILES,
  resolveDeliveryProfile,
} from "./webhooks/profiles.js";
export type { RetryPolicy } from "./webhooks/retry-policy.js";
export { BLOG_RETRY_POLICY, retryWindowMs } from "./webhooks/retry-policy.js";
export {
  computeSignature,
  formatSignatureHeader,
  HEADER_ATTEMPT,
  HEADER_DELIVERY,
  HEADER_EVENT,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
} from "./webhooks/signature.js";
