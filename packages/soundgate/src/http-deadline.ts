/**
 * Whether calls without a caller's signal should still give fetch an AbortSignal.
 *
 * fetch pays for following a signal on every call (a listener, a WeakRef and a
 * finalizer: ~25 µs of CPU here, a sixth of a whole API call), and on Node 20 aborting
 * one does not even close a connection still waiting for headers (measured: the socket
 * stays open until fetch's own 300 s timeout). So while every call answers in time, a
 * deadline is a plain timer: the caller gets its timeout at the deadline all the same,
 * and a late answer is read and dropped. Once a call has timed out, the upstream is
 * hanging, and for the next minute every call carries a signal again, so a runtime whose
 * fetch closes an aborted call's connection closes each hung one at its deadline.
 */
const ABORTABLE_FOR_MS = 60_000;

let abortableUntil = 0;

export function callsNeedSignals(now = Date.now()): boolean {
  return now < abortableUntil;
}

/** A call just missed its deadline: give calls signals for a while. */
export function noteTimeout(now = Date.now()): void {
  abortableUntil = now + ABORTABLE_FOR_MS;
}

/** Back to plain timers (for tests, which start from a known mode). */
export function resetDeadlineMode(): void {
  abortableUntil = 0;
}
