import { base, en, Faker } from "@faker-js/faker";
import { RequestLog } from "../api/request-log.js";
import type { Clock } from "../clock/clock.js";
import { Scheduler } from "../clock/scheduler.js";
import { type Click, formatTimestampUs, type RecordedClick } from "../model/click.js";
import { GroundTruth } from "../model/ground-truth.js";
import { Random } from "../model/random.js";
import type { Link, Plan, Workspace } from "../model/workspace.js";
import { ClickStore } from "../store/click-store.js";
import { ClickFactory } from "../traffic/click-factory.js";
import { IngestionLag, type IngestionLagSpike } from "../traffic/ingestion-lag.js";
import { TrafficGenerator, type TrafficWindow } from "../traffic/traffic-generator.js";
import { DeliveryLog } from "../webhooks/delivery-log.js";
import { type DeliveryFaults, Dispatcher } from "../webhooks/dispatcher.js";
import { EndpointRegistry } from "../webhooks/endpoints.js";
import { buildClickEvent } from "../webhooks/event.js";
import { HttpSender } from "../webhooks/http-sender.js";
import { BLOG_RETRY_POLICY, type RetryPolicy } from "../webhooks/retry-policy.js";

export interface SimulationOptions {
  readonly clock: Clock;
  /** Fixes every random choice: ids, clicks, secrets, fault decisions. */
  readonly seed: number;
  readonly workspaceId?: number;
  readonly plan?: Plan;
  /** Number of links in the workspace. Default: 5. */
  readonly linkCount?: number;
  /** 99th percentile of ingestion lag, simulated milliseconds. Default: 5000. */
  readonly ingestionLagP99Ms?: number;
  /** Share of clicks whose UTM campaign needs Go's escaping. Default: 0.05. */
  readonly trickyShare?: number;
  readonly retryPolicy?: RetryPolicy;
  /** Wall-clock milliseconds one delivery attempt may take. Default: 30000. */
  readonly attemptTimeoutMs?: number;
  readonly deliveryFaults?: DeliveryFaults;
  /** Attempts in flight at once per endpoint. Default: 32. */
  readonly maxConcurrentPerEndpoint?: number;
  /** Keep-alive connections per receiver origin. Default: 32. */
  readonly connectionsPerOrigin?: number;
  /** Response body bytes read per attempt before the rest is discarded. Default: 65536. */
  readonly maxResponseBytes?: number;
  /** Failed attempts in a row that pause an endpoint. Default: never. */
  readonly pauseAfterConsecutiveFailures?: number;
  /** Receives errors thrown by scheduled tasks; by default they propagate. */
  readonly onTaskError?: (error: unknown) => void;
  /** Maximum events one scheduler run may fire on a virtual clock. Default: 10 million. */
  readonly maxEventsPerRun?: number;
}

/**
 * The simulation core: one scheduler on one clock drives traffic, ingestion and webhook
 * deliveries for one workspace, and the ground truth records every click. The HTTP server, the
 * CLI and the scoring are adapters around this object.
 */
export class Simulation {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly workspace: Workspace;
  readonly groundTruth = new GroundTruth();
  /** The human clicks that the analytics API serves, each once ingestion has made it visible. */
  readonly clickStore: ClickStore;
  readonly endpoints: EndpointRegistry;
  readonly deliveryLog = new DeliveryLog();
  /** Every request to the fake API, for the scoring of pollers. */
  readonly requestLog = new RequestLog();
  readonly dispatcher: Dispatcher;
  readonly sender: HttpSender;
  readonly retryPolicy: RetryPolicy;
  readonly #clickFactory: ClickFactory;
  readonly #probeClickFactory: ClickFactory;
  readonly #ingestionLag: IngestionLag;
  readonly #eventIds: Random;

  constructor(options: SimulationOptions) {
    this.clock = options.clock;
    this.random = new Random(options.seed);
    this.scheduler = new Scheduler(options.clock, {
      ...(options.onTaskError === undefined ? {} : { onTaskError: options.onTaskError }),
      ...(options.maxEventsPerRun === undefined ? {} : { maxEvents: options.maxEventsPerRun }),
    });
    this.workspace = createWorkspace(
      this.random.fork("workspace"),
      options.workspaceId ?? 4123,
      options.plan ?? "pro",
      options.linkCount ?? 5,
    );
    this.clickStore = new ClickStore(this.workspace.id);
    this.endpoints = new EndpointRegistry(this.random.fork("endpoints"));
    this.retryPolicy = options.retryPolicy ?? BLOG_RETRY_POLICY;
    this.sender = new HttpSender({
      ...(options.attemptTimeoutMs === undefined
        ? {}
        : { attemptTimeoutMs: options.attemptTimeoutMs }),
      ...(options.connectionsPerOrigin === undefined
        ? {}
        : { connectionsPerOrigin: options.connectionsPerOrigin }),
      ...(options.maxResponseBytes === undefined
        ? {}
        : { maxResponseBytes: options.maxResponseBytes }),
    });
    this.dispatcher = new Dispatcher({
      scheduler: this.scheduler,
      endpoints: this.endpoints,
      log: this.deliveryLog,
      sender: this.sender,
      policy: this.retryPolicy,
      random: this.random.fork("deliveries"),
      ...(options.deliveryFaults === undefined ? {} : { faults: options.deliveryFaults }),
      ...(options.maxConcurrentPerEndpoint === undefined
        ? {}
        : { maxConcurrentPerEndpoint: options.maxConcurrentPerEndpoint }),
      ...(options.pauseAfterConsecutiveFailures === undefined
        ? {}
        : { pauseAfterConsecutiveFailures: options.pauseAfterConsecutiveFailures }),
    });
    this.#clickFactory = new ClickFactory(
      this.workspace,
      this.random.fork("clicks"),
      options.trickyShare === undefined ? {} : { trickyShare: options.trickyShare },
    );
    // Probes draw from their own stream so that sending them does not change the traffic.
    this.#probeClickFactory = new ClickFactory(this.workspace, this.random.fork("probe-clicks"));
    this.#ingestionLag = new IngestionLag(
      this.random.fork("ingestion"),
      options.ingestionLagP99Ms === undefined ? {} : { p99Ms: options.ingestionLagP99Ms },
    );
    this.#eventIds = this.random.fork("events");
  }

  /** Schedules traffic for `window` on the simulation's clock. */
  startTraffic(window: TrafficWindow): void {
    const generator = new TrafficGenerator(
      this.scheduler,
      this.workspace,
      this.#clickFactory,
      this.random.fork(`traffic@${window.startMs}`),
      {
        human: (click, occurredAtUs) => this.recordHumanClick(click, occurredAtUs),
        bot: (click, occurredAtUs) => this.recordBotClick(click, occurredAtUs),
      },
    );
    generator.start(window);
  }

  /** Records a click that bot filtering dropped: only the ground truth records it. */
  recordBotClick(click: Click, occurredAtUs: number): RecordedClick {
    const recorded: RecordedClick = {
      click,
      occurredAtUs,
      visibleAtMs: Math.floor(occurredAtUs / 1_000),
      bot: true,
    };
    this.groundTruth.add(recorded);
    return recorded;
  }

  /**
   * Records a human click in the ground truth and schedules its ingestion: after the lag, the
   * click becomes visible and its `click.recorded` event is published.
   */
  recordHumanClick(click: Click, occurredAtUs: number): RecordedClick {
    const occurredAtMs = Math.floor(occurredAtUs / 1_000);
    const visibleAtMs = occurredAtMs + this.#ingestionLag.sampleMs(occurredAtMs);
    const recorded: RecordedClick = { click, occurredAtUs, visibleAtMs, bot: false };
    this.groundTruth.add(recorded);
    const storeRow = this.clickStore.append(click, occurredAtUs);
    this.scheduler.at(visibleAtMs, () => {
      this.clickStore.markVisible(storeRow);
      const event = buildClickEvent(
        `evt_${this.#eventIds.hex(24)}`,
        formatTimestampUs(this.scheduler.now() * 1_000),
        click,
      );
      this.dispatcher.publish(event, click.click_id);
    });
    return recorded;
  }

  /** Slows ingestion for clicks that occur within `spike`'s window, as an injected fault. */
  addIngestionLagSpike(spike: IngestionLagSpike): void {
    this.#ingestionLag.addSpike(spike);
  }

  /** Builds a click that is not part of the ground truth, for probes of the receiver. */
  createDetachedClick(link: Link, occurredAtUs: number): Click {
    return this.#probeClickFactory.create(link, occurredAtUs);
  }

  async close(): Promise<void> {
    await this.sender.close();
  }
}

function createWorkspace(random: Random, id: number, plan: Plan, linkCount: number): Workspace {
  const faker = new Faker({ locale: [en, base], seed: random.int(0, 2 ** 31 - 1) });
  const links: Link[] = [];
  for (let index = 0; index < linkCount; index++) {
    const slug = `${faker.word.adjective()}-${faker.word.noun()}-${random.hex(4)}`.toLowerCase();
    links.push({
      link_id: 90_001 + index,
      slug,
      destination: `https://${faker.internet.domainName()}/${faker.word.noun()}?ref=elido`,
    });
  }
  return Object.freeze({
    id,
    plan,
    apiKeys: Object.freeze([`elido_sk_${random.hex(32)}`]),
    links: Object.freeze(links),
  });
}
