/** What withDeadline rejects with when the time is up. */
export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

/**
 * `pending`, or a DeadlineError after `ms`: a timer instead of an AbortSignal, for calls
 * where following a signal costs more than the call's own work (the proxy's fetch). The
 * call is not cancelled: when a Response arrives late anyway, its body is cancelled so its
 * connection goes back to the pool.
 */
export function withDeadline<T>(pending: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new DeadlineError(`no answer within ${ms} ms`));
    }, ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        if (!late) resolve(value);
        else if (value instanceof Response) value.body?.cancel().catch(() => {});
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
