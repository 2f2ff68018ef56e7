/**
 * A Map that keeps at most `limit` entries, forgetting the oldest first: for memos of work
 * whose answer cannot change for the same key (an opened seal), never for state another
 * instance could change.
 */
export class BoundedMap<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly limit: number) {}

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.#entries.size >= this.limit && !this.#entries.has(key)) {
      this.#entries.delete(this.#entries.keys().next().value as K);
    }
    this.#entries.set(key, value);
  }
}
