/** What withDeadline rejects with when the time is up. */
export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

interface Waiting {
  readonly at: number;
  /** Rejects the caller's promise; dropped once settled (it holds the promise). */
  expire: (() => void) | undefined;
}

/**
 * The calls waiting on one length of deadline, oldest first. Deadlines of one length end in
 * the order they were set, so one timer (for the oldest call still waiting) serves them all,
 * in place of a timer set and cleared on every call: a Timeout object, a timer-list insert
 * and its removal, ~1 µs of each proxied call. A call answered while an older one still
 * waits keeps its place (a few words) until the older one is answered or expires.
 */
class DeadlineQueue {
  readonly #waiting: Waiting[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  add(waiting: Waiting): void {
    this.#waiting.push(waiting);
    if (this.#timer === undefined) this.#arm();
  }

  /** True once, for the first of its answer and its deadline. */
  settle(waiting: Waiting): boolean {
    if (waiting.expire === undefined) return false;
    waiting.expire = undefined;
    this.#dropSettled();
    return true;
  }

  #dropSettled(): void {
    const list = this.#waiting;
    while (this.#head < list.length && (list[this.#head] as Waiting).expire === undefined) {
      this.#head++;
    }
    if (this.#head === list.length) {
      list.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > list.length) {
      list.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(): void {
    const oldest = this.#waiting[this.#head];
    if (!oldest) {
      this.#timer = undefined;
      return;
    }
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, oldest.at - Date.now()));
    // A pending call keeps the process alive itself; its deadline need not.
    this.#timer.unref();
  }

  #expire(): void {
    const now = Date.now();
    const list = this.#waiting;
    for (let i = this.#head; i < list.length; i++) {
      const waiting = list[i] as Waiting;
      if (waiting.at > now) break;
      const expire = waiting.expire;
      waiting.expire = undefined;
      expire?.();
    }
    this.#dropSettled();
    this.#arm();
  }
}

const queues = new Map<number, DeadlineQueue>();

/**
 * `pending`, or a DeadlineError after `ms`: a deadline instead of an AbortSignal, for calls
 * where following a signal costs more than the call's own work (the proxy's fetch). The
 * call is not cancelled: when a Response arrives late anyway, its body is cancelled so its
 * connection goes back to the pool.
 */
export function withDeadline<T>(pending: Promise<T>, ms: number): Promise<T> {
  let deadlines = queues.get(ms);
  if (!deadlines) {
    deadlines = new DeadlineQueue();
    queues.set(ms, deadlines);
  }
  const queue = deadlines;
  return new Promise<T>((resolve, reject) => {
    const waiting: Waiting = {
      at: Date.now() + ms,
      expire: () => reject(new DeadlineError(`no answer within ${ms} ms`)),
    };
    queue.add(waiting);
    pending.then(
      (value) => {
        if (queue.settle(waiting)) resolve(value);
        else if (value instanceof Response) value.body?.cancel().catch(() => {});
      },
      (error: unknown) => {
        if (queue.settle(waiting)) reject(error);
      },
    );
  });
}
