/**
 * A first-in, first-out queue with O(1) shift, because delivery backlogs reach hundreds of
 * thousands of waiters.
 */
export class FifoQueue<T extends object> {
  #items: Array<T | undefined> = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest item, or `undefined` when the queue is empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) {
      return undefined;
    }
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    // Compact once the consumed prefix dominates, so memory follows the live backlog.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }
}
