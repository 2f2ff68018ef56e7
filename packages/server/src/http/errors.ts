import { isSoundgateError } from "soundgate";
import { StoreUnavailableError } from "../store/store-errors.js";

/** An error that becomes `{error, message}` with this status. Messages are ours, never echoed input. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): { error: string; message: string } {
    return { error: this.error, message: this.message };
  }

  /**
   * The response body. `detail` repeats the message for front ends written for a
   * FastAPI backend (Starlib's shows `detail`, else a bare "HTTP 401").
   */
  body(options: { detail?: boolean } = {}): { error: string; message: string; detail?: string } {
    return options.detail ? { ...this.toJSON(), detail: this.message } : this.toJSON();
  }
}

/** Seconds a client should wait after the store was unavailable: about one bound's worth. */
const STORE_RETRY_AFTER_S = "2";

/**
 * The database could not answer in time (a lost connection, every connection busy past
 * SOUNDGATE_DB_CONNECT_TIMEOUT_MS, a refresh lock held past SOUNDGATE_DB_LOCK_TIMEOUT_MS):
 * 503 with Retry-After, so clients retry instead of treating it as a bug.
 */
export function storeUnavailableHttpError(error: StoreUnavailableError): HttpError {
  return new HttpError(503, "store_unavailable", error.message, {
    "Retry-After": STORE_RETRY_AFTER_S,
  });
}

/** HttpError as is; a store failure as its 503; anything else undefined. */
export function knownHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreUnavailableError) return storeUnavailableHttpError(error);
  return undefined;
}

/**
 * Translate a failure talking to SoundCloud into what the gateway's caller should see.
 * The caller did nothing wrong when SoundCloud is down or our credentials are bad, so
 * those are 5xx; a dead grant is the caller's 401.
 */
export function upstreamHttpError(
  error: unknown,
  context: "exchange" | "refresh" | "api",
): HttpError {
  const known = knownHttpError(error);
  if (known) return known;
  if (!isSoundgateError(error)) {
    return new HttpError(502, "upstream_unavailable", "SoundCloud could not be reached");
  }
  const retryAfter: Record<string, string> =
    error.retryAfter === undefined ? {} : { "Retry-After": String(error.retryAfter) };
  switch (error.code) {
    case "invalid_grant":
    case "reauth_required":
      return context === "refresh"
        ? new HttpError(
            401,
            "reauth_required",
            "SoundCloud no longer accepts this refresh token; connect again",
          )
        : new HttpError(
            400,
            "invalid_grant",
            "SoundCloud rejected the authorization code (expired, used or not issued for this flow)",
          );
    case "rate_limited":
      return new HttpError(
        429,
        "rate_limited",
        "SoundCloud is rate limiting this app; try again later",
        retryAfter,
      );
    case "invalid_client":
    case "unauthorized_client":
      return new HttpError(
        502,
        "gateway_misconfigured",
        "SoundCloud rejected the gateway's client credentials",
      );
    case "timeout":
      return new HttpError(
        504,
        "upstream_unavailable",
        "SoundCloud did not answer in time",
        retryAfter,
      );
    case "upstream_unavailable":
      return new HttpError(
        error.status === 503 ? 503 : 502,
        "upstream_unavailable",
        "SoundCloud is unavailable",
        retryAfter,
      );
    default:
      return new HttpError(
        502,
        "upstream_unavailable",
        "SoundCloud answered in a way the gateway could not use",
      );
  }
}
