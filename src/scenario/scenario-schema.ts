import { FormatRegistry, type Static, Type } from "@sinclair/typebox";
import { DELIVERY_PROFILE_NAMES } from "../webhooks/profiles.js";

// TypeBox validates only the formats registered with it; RFC 3339 needs a zone, so a bare date
// or a local time is rejected.
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set(
    "date-time",
    (value) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) &&
      !Number.isNaN(Date.parse(value)),
  );
}

// `expected` is our own schema keyword: the loader prints it in error messages, and editors show
// it through `description`.
const Duration = (description: string) =>
  Type.String({
    pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$",
    description: `${description} A duration such as 500ms, 30s, 21m, 1h30m.`,
    expected: 'a duration like "30s", "21m" or "1h30m"',
  });

const Share = (description: string) =>
  Type.Number({ minimum: 0, maximum: 1, description, expected: "a number from 0 to 1" });

/** Builds the schema of one part of the integration under test: its URL, command and observation source. */
function IntegrationPart(role: "receiver" | "poller") {
  return Type.Object(
    {
      url: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            role === "receiver"
              ? "Webhook URL of a running receiver; with `cmd`, where the started receiver listens."
              : "Unused by the harness; documents where a running poller is.",
        }),
      ),
      cmd: Type.Optional(
        Type.String({
          minLength: 1,
          description: `Shell command that starts the ${role}; it gets PORT, WEBHOOK_SECRET, ELIDO_API_BASE, ELIDO_WORKSPACE_ID, ELIDO_API_KEY, ELIDO_SIM_SPEED and ELIDO_SIM_EXAMPLES (the built reference integrations).`,
        }),
      ),
      observe: Type.Optional(
        Type.String({
          minLength: 1,
          description: `URL or file with what the ${role} recorded, read at the end; $PORT is its port.`,
        }),
      ),
    },
    { additionalProperties: false },
  );
}

export const ReceiverOutageFault = Type.Object(
  {
    type: Type.Literal("receiver_outage", { expected: '"receiver_outage"' }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 80, description: "Label used in reports." }),
    ),
    at: Duration("Start of the outage, from the start of the run."),
    for: Duration("Length of the outage."),
  },
  {
    additionalProperties: false,
    description: "The dispatcher cannot reach the receiver during this window of simulated time.",
  },
);

const FaultName = Type.Optional(
  Type.String({ minLength: 1, maxLength: 80, description: "Label used in reports." }),
);

export const DuplicateDeliveryFault = Type.Object(
  {
    type: Type.Literal("duplicate_delivery", { expected: '"duplicate_delivery"' }),
    name: FaultName,
    at: Duration("Start of the window, from the start of the run."),
    for: Duration("Length of the window."),
    share: Type.Optional(Share("Share of attempts in the window sent twice. Default: 1.")),
    concurrent: Type.Optional(
      Type.Boolean({
        description:
          "Send both copies at once, so two attempts of one delivery are in flight together. Default: false.",
        expected: "true or false",
      }),
    ),
    delay: Type.Optional(
      Duration("Time between an attempt and its sequential duplicate. Default: 10s."),
    ),
  },
  {
    additionalProperties: false,
    description: "Attempts in this window are sent twice with the same delivery id.",
  },
);

export const ReorderFault = Type.Object(
  {
    type: Type.Literal("reorder", { expected: '"reorder"' }),
    name: FaultName,
    at: Duration("Start of the window, from the start of the run."),
    for: Duration("Length of the window."),
    share: Type.Optional(Share("Share of new deliveries held back. Default: 1.")),
    max_delay: Type.Optional(Duration("Longest hold of a delivery's first attempt. Default: 30s.")),
  },
  {
    additionalProperties: false,
    description:
      "Deliveries created in this window have their first attempt held for a random delay, so they arrive out of order.",
  },
);

export const SlowSuccessFault = Type.Object(
  {
    type: Type.Literal("slow_success", { expected: '"slow_success"' }),
    name: FaultName,
    at: Duration("Start of the window, from the start of the run."),
    for: Duration("Length of the window."),
    share: Type.Optional(Share("Share of successful attempts affected. Default: 1.")),
  },
  {
    additionalProperties: false,
    description:
      "The receiver's 2xx arrives after the attempt timeout: the dispatcher counts a timeout and sends the same delivery again.",
  },
);

export const DispatcherBacklogFault = Type.Object(
  {
    type: Type.Literal("dispatcher_backlog", { expected: '"dispatcher_backlog"' }),
    name: FaultName,
    at: Duration("Start of the backlog, from the start of the run."),
    for: Duration("Length of the backlog."),
  },
  {
    additionalProperties: false,
    description:
      "Events published in this window wait in the dispatcher's queue and go out when it ends.",
  },
);

export const ManualRedeliveryFault = Type.Object(
  {
    type: Type.Literal("manual_redelivery", { expected: '"manual_redelivery"' }),
    name: FaultName,
    at: Duration("When the redeliveries are sent, from the start of the run."),
    share: Type.Optional(
      Share("Share of the deliveries that succeeded by then to resend. Default: 0.1."),
    ),
  },
  {
    additionalProperties: false,
    description:
      "Someone resends deliveries from the delivery log: same event id, new delivery id.",
  },
);

const ApiWindow = {
  name: FaultName,
  at: Duration("Start of the window, from the start of the run."),
  for: Duration("Length of the window."),
  paths: Type.Optional(
    Type.Array(Type.String({ pattern: "^/v1/", expected: 'a path prefix starting with "/v1/"' }), {
      minItems: 1,
      description: "Path prefixes the fault applies to. Default: [/v1/analytics/].",
    }),
  ),
};

export const ApiRateLimitFault = Type.Object(
  {
    type: Type.Literal("api_rate_limit", { expected: '"api_rate_limit"' }),
    ...ApiWindow,
    probability: Type.Optional(Share("Share of requests that get a 429. Default: 1.")),
    retry_after: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description:
          "Retry-After seconds of a drawn 429, when probability is below 1. With probability 1, Retry-After points at the end of the window.",
        expected: "an integer from 1 to 3600",
      }),
    ),
  },
  { additionalProperties: false, description: "A 429 storm on the analytics API." },
);

export const ApiServerErrorFault = Type.Object(
  {
    type: Type.Literal("api_server_error", { expected: '"api_server_error"' }),
    ...ApiWindow,
    status: Type.Optional(
      Type.Union([Type.Literal(500), Type.Literal(502), Type.Literal(503)], {
        description: "Default: 500.",
        expected: "one of 500, 502, 503",
      }),
    ),
    probability: Type.Optional(Share("Share of requests that fail. Default: 1.")),
  },
  { additionalProperties: false, description: "5xx responses with the error envelope." },
);

export const ApiOutageFault = Type.Object(
  {
    type: Type.Literal("api_outage", { expected: '"api_outage"' }),
    ...ApiWindow,
    response: Type.Optional(
      Type.Union([Type.Literal("refuse"), Type.Literal("reset"), Type.Literal("unavailable")], {
        description:
          "refuse: connections refused on every route; reset: connections dropped without an answer; unavailable: 503 with Retry-After. Default: refuse.",
        expected: 'one of "refuse", "reset", "unavailable"',
      }),
    ),
  },
  { additionalProperties: false, description: "The analytics API is down." },
);

export const ApiLatencyFault = Type.Object(
  {
    type: Type.Literal("api_latency", { expected: '"api_latency"' }),
    ...ApiWindow,
    latency: Duration("Added latency of each response, in simulated time."),
  },
  { additionalProperties: false, description: "Slow responses from the analytics API." },
);

export const IngestionLagFault = Type.Object(
  {
    type: Type.Literal("ingestion_lag", { expected: '"ingestion_lag"' }),
    name: FaultName,
    at: Duration("Start of the window, from the start of the run."),
    for: Duration("Length of the window."),
    lag_p99: Duration("99th percentile of the ingestion lag of clicks that occur in the window."),
  },
  {
    additionalProperties: false,
    description: "Ingestion slows down: clicks of the window become visible late and out of order.",
  },
);

/** Every fault type a scenario file accepts, keyed by its `type` value. */
export const FAULT_SCHEMAS = {
  receiver_outage: ReceiverOutageFault,
  duplicate_delivery: DuplicateDeliveryFault,
  reorder: ReorderFault,
  slow_success: SlowSuccessFault,
  dispatcher_backlog: DispatcherBacklogFault,
  manual_redelivery: ManualRedeliveryFault,
  api_rate_limit: ApiRateLimitFault,
  api_server_error: ApiServerErrorFault,
  api_outage: ApiOutageFault,
  api_latency: ApiLatencyFault,
  ingestion_lag: IngestionLagFault,
} as const;

export const ScenarioFault = Type.Union(Object.values(FAULT_SCHEMAS), {
  expected: `an object whose type is one of ${Object.keys(FAULT_SCHEMAS)
    .map((type) => `"${type}"`)
    .join(", ")}`,
});

export const ScenarioSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({
      pattern: "^[a-z0-9][a-z0-9-]*$",
      description: "Kebab-case name, used by `elido-sim run NAME`.",
      expected: "a kebab-case name like receiver-outages",
    }),
    description: Type.String({
      minLength: 1,
      description: "The real failure this scenario reproduces.",
    }),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 4294967295,
        description: "Fixes every random choice. Default: 1.",
        expected: "an integer from 0 to 4294967295",
      }),
    ),
    start: Type.Optional(
      Type.String({
        format: "date-time",
        description:
          "Simulated start time, RFC 3339. Default: the wall clock at the start of the run.",
        expected: 'an RFC 3339 time like "2026-05-15T09:00:00Z"',
      }),
    ),
    duration: Duration("Simulated time during which traffic is generated."),
    speed: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 100000 }), Type.Literal("max")], {
        description:
          'Simulated seconds per real second, or "max" for a virtual clock that runs as fast as the receiver answers (receivers only). Default: 60.',
        expected: 'a number > 0 and <= 100000, or "max"',
      }),
    ),
    workspace: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.Integer({ minimum: 1, expected: "a positive integer" })),
          plan: Type.Optional(
            Type.Union([Type.Literal("free"), Type.Literal("pro"), Type.Literal("business")], {
              expected: 'one of "free", "pro", "business"',
            }),
          ),
          links: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 10000, expected: "an integer from 1 to 10000" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    traffic: Type.Object(
      {
        rate: Type.Number({
          exclusiveMinimum: 0,
          maximum: 100000,
          description: "Mean human clicks per simulated second.",
          expected: "a number of clicks per simulated second, > 0 and <= 100000",
        }),
        tricky_share: Type.Optional(
          Share(
            "Share of clicks whose UTM campaign contains characters Go escapes. Default: 0.05.",
          ),
        ),
        pattern: Type.Optional(
          Type.Union([Type.Literal("steady"), Type.Literal("burst"), Type.Literal("diurnal")], {
            description: "How the rate varies over time. Default: steady.",
            expected: 'one of "steady", "burst", "diurnal"',
          }),
        ),
        burst: Type.Optional(
          Type.Object(
            {
              every: Duration("Time from the start of one burst to the next."),
              for: Duration("Length of each burst."),
              multiplier: Type.Number({
                minimum: 1,
                maximum: 1000,
                description: "Rate during a burst, as a multiple of `rate`.",
                expected: "a number from 1 to 1000",
              }),
            },
            {
              additionalProperties: false,
              description: "With pattern burst. Default: every 10m, for 1m, multiplier 10.",
            },
          ),
        ),
        diurnal_amplitude: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 1,
            description:
              "With pattern diurnal: the rate swings by this share around `rate` over a UTC day. Default: 0.8.",
            expected: "a number from 0 to 1",
          }),
        ),
        bot_share: Type.Optional(
          Share(
            "Share of clicks from bots, filtered at the edge and seen only by the ground truth. Default: 0.",
          ),
        ),
        link_skew: Type.Optional(
          Type.Number({
            minimum: 0,
            maximum: 10,
            description:
              "Zipf exponent of link popularity: 0 spreads clicks evenly, 2 makes one link hot. Default: 0.",
            expected: "a number from 0 to 10",
          }),
        ),
      },
      { additionalProperties: false },
    ),
    ingestion: Type.Optional(
      Type.Object(
        { lag_p99: Type.Optional(Duration("99th percentile of ingestion lag. Default: 5s.")) },
        { additionalProperties: false },
      ),
    ),
    webhooks: Type.Optional(
      Type.Object(
        {
          profile: Type.Optional(
            Type.Union(
              DELIVERY_PROFILE_NAMES.map((name) => Type.Literal(name)),
              {
                description:
                  "Retry schedule, attempt timeout and endpoint pausing as one documented variant; the fields below override it one by one. Default: blog.",
                expected: `one of ${DELIVERY_PROFILE_NAMES.map((name) => `"${name}"`).join(", ")}`,
              },
            ),
          ),
          attempt_timeout: Type.Optional(
            Duration("Wall-clock time one attempt may take. Default: 30s."),
          ),
          max_attempts: Type.Optional(
            Type.Integer({ minimum: 1, maximum: 50, expected: "an integer from 1 to 50" }),
          ),
          retry_delays: Type.Optional(
            Type.Array(Duration("Delay before the next attempt."), {
              minItems: 1,
              maxItems: 50,
              description: "Delays between attempts. Default: [1m, 5m, 15m].",
            }),
          ),
          duplicates: Type.Optional(
            Share(
              "Share of successful attempts whose 2xx is lost on the way back, so the same delivery id arrives again. Default: 0.",
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    faults: Type.Optional(Type.Array(ScenarioFault, { maxItems: 1000 })),
    probes: Type.Optional(
      Type.Object(
        {
          at: Type.Optional(
            Type.Array(Duration("When to send the set of signature probes."), {
              maxItems: 100,
              description: "Default: [1m].",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    integration: Type.Optional(
      Type.Object(
        {
          receiver: Type.Optional(IntegrationPart("receiver")),
          poller: Type.Optional(IntegrationPart("poller")),
          hybrid: Type.Optional(
            Type.Boolean({
              description:
                "The receiver also reconciles through the analytics API: its ledger must end equal to the ground truth. Default: false.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "The integration under test. Command-line options override each field. A receiver and a poller together form a hybrid integration, judged on one ledger.",
        },
      ),
    ),
    expectations: Type.Optional(
      Type.Object(
        {
          min_accepted_share: Type.Optional(
            Share("Minimum share of valid attempts the receiver must answer 2xx. Default: 1."),
          ),
          min_coverage: Type.Optional(
            Share("Minimum share of human clicks that must be served to the poller. Default: 1."),
          ),
          max_poller_lag_p99: Type.Optional(
            Duration(
              "Maximum 99th percentile from ingestion to the first serving of a click. Default: 10m.",
            ),
          ),
          max_requests_per_click: Type.Optional(
            Type.Number({
              exclusiveMinimum: 0,
              description:
                "Maximum analytics requests per distinct click served to the poller. Default: 1.",
              expected: "a number > 0",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A scenario file as written, before durations are parsed. */
export type ScenarioFile = Static<typeof ScenarioSchema>;
