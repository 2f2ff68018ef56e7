import { isSoundgateError } from "soundgate";
import { StoreUnavailableError } from "./store/store-errors.js";

/**
 * Every way a Soundgate service (the gateway's flows, `createSoundgate()`) refuses or
 * fails, as a machine code. Closed: a caller can switch over it exhaustively. Which HTTP
 * status each becomes is decided once, at the edge (http/status-of.ts).
 */
export type GatewayErrorCode =
  // The caller sent something unusable or not allowed.
  | "invalid_request"
  | "result_challenge_required"
  | "return_to_not_allowed"
  | "invalid_state"
  | "flow_user_mismatch"
  // The caller must prove something first.
  | "result_verifier_required"
  | "result_key_required"
  | "invalid_dpop_proof"
  // The login or the grant behind it.
  | "result_not_found"
  | "result_pending"
  | "access_denied"
  | "login_failed"
  | "invalid_grant"
  | "reauth_required"
  | "not_connected"
  // SoundCloud or the database, not the caller.
  | "rate_limited"
  | "gateway_misconfigured"
  | "upstream_unavailable"
  | "store_unavailable";

export interface GatewayErrorOptions {
  /** Seconds after which asking again may work (SoundCloud's Retry-After, the store's bound). */
  retryAfter?: number | undefined;
  /**
   * `login_failed` only: the OAuth error word the login ended with (`server_error`,
   * `invalid_grant`, …, as SoundCloud or the flow recorded it). It is the `error` callers
   * see, so a front end can tell failures apart.
   */
  reason?: string | undefined;
  /** `upstream_unavailable` only: SoundCloud timed out, or said it is overloaded (503). */
  upstream?: "timeout" | "overloaded" | undefined;
  cause?: unknown;
}

/**
 * A Soundgate service refused or failed, for the reason in `code`. Messages are ours and
 * safe to show: never a token, never echoed input.
 */
export class GatewayError extends Error {
  override readonly name: string = "GatewayError";
  readonly retryAfter: number | undefined;
  readonly reason: string | undefined;
  readonly upstream: "timeout" | "overloaded" | undefined;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfter = options.retryAfter;
    this.reason = code === "login_failed" ? (options.reason ?? "login_failed") : undefined;
    this.upstream = options.upstream;
  }

  /** The word callers see as `error`: the code, or for `login_failed` its reason. */
  get wireCode(): string {
    return this.reason ?? this.code;
  }

  toJSON(): { error: string; message: string } {
    return { error: this.wireCode, message: this.message };
  }
}

/** Seconds a client should wait after the store was unavailable: about one bound's worth. */
const STORE_RETRY_AFTER_S = 2;

/**
 * The database could not answer in time (a lost connection, every connection busy past
 * SOUNDGATE_DB_CONNECT_TIMEOUT_MS, a refresh lock held past SOUNDGATE_DB_LOCK_TIMEOUT_MS):
 * retryable, so callers retry instead of treating it as a bug.
 */
export function storeUnavailable(error: StoreUnavailableError): GatewayError {
  return new GatewayError("store_unavailable", error.message, {
    retryAfter: STORE_RETRY_AFTER_S,
    cause: error,
  });
}

/**
 * Translate a failure talking to SoundCloud into what the service's caller should see.
 * The caller did nothing wrong when SoundCloud is down or our credentials are bad
 * (`upstream_unavailable`, `gateway_misconfigured`); a dead grant is the caller's
 * (`invalid_grant` for a code, `reauth_required` for a refresh token).
 */
export function upstreamError(error: unknown, context: "exchange" | "refresh"): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof StoreUnavailableError) return storeUnavailable(error);
  if (!isSoundgateError(error)) {
    return new GatewayError("upstream_unavailable", "SoundCloud could not be reached");
  }
  const retryAfter = error.retryAfter;
  switch (error.code) {
    case "invalid_grant":
    case "reauth_required":
      return context === "refresh"
        ? new GatewayError(
            "reauth_required",
            "SoundCloud no longer accepts this refresh token; connect again",
          )
        : new GatewayError(
            "invalid_grant",
            "SoundCloud rejected the authorization code (expired, used or not issued for this flow)",
          );
    case "rate_limited":
      return new GatewayError(
        "rate_limited",
        "SoundCloud is rate limiting this app; try again later",
        { retryAfter },
      );
    case "invalid_client":
    case "unauthorized_client":
      return new GatewayError(
        "gateway_misconfigured",
        "SoundCloud rejected the gateway's client credentials",
      );
    case "timeout":
      return new GatewayError("upstream_unavailable", "SoundCloud did not answer in time", {
        retryAfter,
        upstream: "timeout",
      });
    case "upstream_unavailable":
      return new GatewayError("upstream_unavailable", "SoundCloud is unavailable", {
        retryAfter,
        upstream: error.status === 503 ? "overloaded" : undefined,
      });
    default:
      return new GatewayError(
        "upstream_unavailable",
        "SoundCloud answered in a way the gateway could not use",
      );
  }
}
