import { GatewayError, type GatewayErrorCode, storeUnavailable } from "../errors.js";
import type { Logger } from "../logger.js";
import { StoreUnavailableError } from "../store/store-errors.js";
import { HttpError } from "./errors.js";

/**
 * The one place a service's refusal becomes an HTTP status. 4xx: the caller (or its user)
 * can do something about it; 5xx: SoundCloud, the database or the gateway's own setup failed.
 */
export const STATUS_OF: { readonly [Code in GatewayErrorCode]: number } = {
  invalid_request: 400,
  result_challenge_required: 400,
  return_to_not_allowed: 400,
  invalid_state: 400,
  login_failed: 400,
  invalid_grant: 400,
  result_verifier_required: 401,
  result_key_required: 401,
  invalid_dpop_proof: 401,
  reauth_required: 401,
  access_denied: 403,
  flow_user_mismatch: 403,
  // Starlib's poller retries on 404 only.
  result_pending: 404,
  result_not_found: 404,
  // The request is fine, the user's state is not; unlike 404 it is never cached.
  not_connected: 409,
  rate_limited: 429,
  gateway_misconfigured: 502,
  upstream_unavailable: 502,
  store_unavailable: 503,
};

/** The status of `error`; SoundCloud's timeouts and overload keep their own 504 and 503. */
export function httpStatusOf(error: GatewayError): number {
  if (error.code === "upstream_unavailable") {
    if (error.upstream === "timeout") return 504;
    if (error.upstream === "overloaded") return 503;
  }
  return STATUS_OF[error.code];
}

/** A service's refusal as the HTTP answer: status, `{error, message}` and its headers. */
export function httpErrorOf(error: GatewayError): HttpError {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["Retry-After"] = String(error.retryAfter);
  if (error.code === "invalid_dpop_proof") {
    headers["WWW-Authenticate"] = `DPoP algs="ES256", error="invalid_dpop_proof"`;
  }
  return new HttpError(httpStatusOf(error), error.wireCode, error.message, headers);
}

/** An HttpError as is, a service's or the store's refusal as its answer; else undefined. */
export function knownHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof GatewayError) return httpErrorOf(error);
  if (error instanceof StoreUnavailableError) return httpErrorOf(storeUnavailable(error));
  return undefined;
}

/**
 * What the client is told of anything a route threw: a known refusal as it is, anything
 * else as a 500 whose name alone is logged (an unexpected error could carry anything).
 */
export function answerableError(error: unknown, logger: Logger, path: string): HttpError {
  const known = knownHttpError(error);
  if (known) return known;
  logger.error(
    { err_name: error instanceof Error ? error.name : typeof error, path },
    "unhandled error",
  );
  return new HttpError(500, "internal_error", "Something went wrong on the gateway");
}
