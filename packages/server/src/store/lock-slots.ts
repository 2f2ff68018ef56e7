export interface SlotWaits {
  /** The longest any one wait may last (ms). */
  waitMs: number;
  /**
   * Also give up when no place has come free for this long (ms): the holders are stuck
   * (a hung database), not merely many. Without it only `waitMs` bounds a wait.
   */
  stallMs?: number | undefined;
}

/**
 * At most `size` holders at once, the rest waiting in arrival order. A waiter holds
 * nothing while it waits (no pool connection), so thousands can queue here without
 * starving anything else. Used for the Postgres lock holders (each keeps a connection
 * through a refresh) and for the pool's short queries (postgres-pool.ts).
 */
export class LockSlots {
  #free: number;
  readonly #waiters: Array<{ grant: () => void }> = [];
  readonly #waitMs: number;
  readonly #stallMs: number | undefined;
  /** When a place last came free (or was handed on): the queue's progress. */
  #lastRelease = 0;

  constructor(
    readonly size: number,
    waits: number | SlotWaits,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError("size must be a whole number ≥ 1");
    this.#free = size;
    const { waitMs, stallMs } = typeof waits === "number" ? { waitMs: waits } : waits;
    this.#waitMs = waitMs;
    this.#stallMs = stallMs;
  }

  /** Holders waiting for a slot right now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * `work` once a slot is free; the slot is released when it settles. Rejects with
   * `onTimeout()` (without running `work`) if no slot came free in time.
   */
  async run<T>(work: () => Promise<T>, onTimeout: () => Error): Promise<T> {
    await this.acquire(onTimeout);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Take a place, waiting for one if need be; every acquire is followed by one release. */
  acquire(onTimeout: () => Error): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return this.#wait(onTimeout);
  }

  /** The place goes straight to the next waiter, if any, so it cannot be overtaken. */
  release(): void {
    this.#lastRelease = Date.now();
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#free++;
  }

  #wait(onTimeout: () => Error): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const since = Date.now();
      let timer: ReturnType<typeof setTimeout>;
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      // One timer per waiter, re-armed only when it fires: at the end of the wait, or
      // when the queue would have stalled if nothing came free meanwhile.
      const deadline = () => {
        const end = since + this.#waitMs;
        if (this.#stallMs === undefined) return end;
        return Math.min(end, Math.max(this.#lastRelease, since) + this.#stallMs);
      };
      const check = () => {
        const due = deadline();
        if (Date.now() < due) {
          timer = setTimeout(check, due - Date.now());
          return;
        }
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(onTimeout());
      };
      timer = setTimeout(check, deadline() - since);
      this.#waiters.push(waiter);
    });
  }
}
