/** What a request of a load run carried. */
export const SendKind = Object.freeze({
  /** A new delivery of a new event, signed with the endpoint's secret. */
  valid: 0,
  /** A new event signed with a wrong secret: the receiver must reject it. */
  invalid: 1,
  /** An earlier valid delivery sent again: same delivery id, same event id, fresh signature. */
  duplicate: 2,
} as const);
export type SendKind = (typeof SendKind)[keyof typeof SendKind];

/** Status recorded for a request that got no HTTP response (socket error or timeout). */
export const STATUS_NO_RESPONSE = 0;
/** Status recorded for a request still in flight when the run stopped. */
export const STATUS_IN_FLIGHT = 1;

const INITIAL_CAPACITY = 16_384;

/**
 * The record of every request a load run sent, in send order, kept in typed arrays so that
 * millions of requests cost a few bytes each. Ids are not stored: `DeliverySource` derives the
 * delivery, event and click id from the event index.
 */
export class SendLog {
  #eventIndex = new Uint32Array(INITIAL_CAPACITY);
  #kind = new Uint8Array(INITIAL_CAPACITY);
  #status = new Uint16Array(INITIAL_CAPACITY);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Appends a request whose response is still outstanding; returns its send index. */
  add(eventIndex: number, kind: SendKind): number {
    if (this.#length === this.#kind.length) {
      this.#grow();
    }
    const index = this.#length++;
    this.#eventIndex[index] = eventIndex;
    this.#kind[index] = kind;
    this.#status[index] = STATUS_IN_FLIGHT;
    return index;
  }

  /** Records the HTTP status of a request, or `STATUS_NO_RESPONSE`. */
  complete(sendIndex: number, status: number): void {
    this.#status[sendIndex] = status;
  }

  eventIndex(sendIndex: number): number {
    return this.#eventIndex[sendIndex] as number;
  }

  kind(sendIndex: number): SendKind {
    return this.#kind[sendIndex] as SendKind;
  }

  status(sendIndex: number): number {
    return this.#status[sendIndex] as number;
  }

  #grow(): void {
    const capacity = this.#kind.length * 2;
    const eventIndex = new Uint32Array(capacity);
    eventIndex.set(this.#eventIndex);
    const kind = new Uint8Array(capacity);
    kind.set(this.#kind);
    const status = new Uint16Array(capacity);
    status.set(this.#status);
    this.#eventIndex = eventIndex;
    this.#kind = kind;
    this.#status = status;
  }
}
