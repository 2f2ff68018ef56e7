/**
 * Machine codes a page can switch on. Where the core (`soundgate`) has a word for the same
 * thing, this is that word (`access_denied`, `reauth_required`, `timeout`, `aborted`), so code
 * shared between a page and a server switches on one set. Gateway errors keep the gateway's
 * own code (`return_to_not_allowed`, `rate_limited`, `upstream_unavailable`, …).
 */
export type SoundgateErrorCode =
  /** The user pressed Cancel on SoundCloud's consent page. */
  | "access_denied"
  /** The URL's state is not the one this tab started (or the login was already completed). */
  | "state_mismatch"
  /** SoundCloud no longer accepts the refresh token: the user must connect again. */
  | "reauth_required"
  /** No tokens are stored. */
  | "not_connected"
  /** The gateway or the API could not be reached. */
  | "network_error"
  /** A polled login did not finish in time. */
  | "timeout"
  /** The caller aborted (AbortSignal); the core's code for the same. */
  | "aborted"
  /** fetchSoundCloud was given a URL outside the API origin. */
  | "invalid_url"
  | (string & {});

export class SoundgateError extends Error {
  override readonly name = "SoundgateError";
  constructor(
    readonly code: SoundgateErrorCode,
    message: string,
    /** The HTTP status, when a server answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export const aborted = () => new SoundgateError("aborted", "Aborted");
export const notConnected = () =>
  new SoundgateError("not_connected", "Not connected to SoundCloud");

/** A promise that resolves after `ms`, or rejects with `aborted` when the signal aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(aborted());
      },
      { once: true },
    );
  });
