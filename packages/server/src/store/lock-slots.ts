/**
 * At most `size` holders at once, the rest waiting in arrival order, each for at most
 * `waitMs`. A waiter holds nothing while it waits (no pool connection), so thousands can
 * queue here without starving the pool that everything else needs.
 */
export class LockSlots {
  #free: number;
  readonly #waiters: Array<{ grant: () => void }> = [];

  constructor(
    readonly size: number,
    private readonly waitMs: number,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError("size must be a whole number ≥ 1");
    this.#free = size;
  }

  /** Holders waiting for a slot right now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * `work` once a slot is free; the slot is released when it settles. Rejects with
   * `onTimeout()` (without running `work`) if no slot came free within `waitMs`.
   */
  async run<T>(work: () => Promise<T>, onTimeout: () => Error): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await this.#wait(onTimeout);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #wait(onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(onTimeout());
      }, this.waitMs);
      this.#waiters.push(waiter);
    });
  }

  /** The slot goes straight to the next waiter, if any, so it cannot be overtaken. */
  #release(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#free++;
  }
}
