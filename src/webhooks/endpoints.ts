import type { Random } from "../model/random.js";
import { generateSecret } from "./signature.js";

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secret: string;
  /** Simulated epoch milliseconds. */
  readonly createdAtMs: number;
}

/** The webhook endpoints registered for the workspace. */
export class EndpointRegistry {
  readonly #endpoints = new Map<string, WebhookEndpoint>();
  readonly #random: Random;

  constructor(random: Random) {
    this.#random = random;
  }

  /** Registers an endpoint; without `secret`, a `whsec_` secret is generated. */
  register(
    url: string,
    events: readonly string[],
    createdAtMs: number,
    secret?: string,
  ): WebhookEndpoint {
    const endpoint: WebhookEndpoint = Object.freeze({
      id: `we_${this.#random.hex(16)}`,
      url,
      events: Object.freeze([...events]),
      secret: secret ?? generateSecret(this.#random),
      createdAtMs,
    });
    this.#endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  get(endpointId: string): WebhookEndpoint | undefined {
    return this.#endpoints.get(endpointId);
  }

  remove(endpointId: string): boolean {
    return this.#endpoints.delete(endpointId);
  }

  list(): WebhookEndpoint[] {
    return [...this.#endpoints.values()];
  }

  /** Returns the endpoints subscribed to `eventType`; `*` subscribes to every type. */
  subscribedTo(eventType: string): WebhookEndpoint[] {
    return this.list().filter(
      (endpoint) => endpoint.events.includes(eventType) || endpoint.events.includes("*"),
    );
  }
}
