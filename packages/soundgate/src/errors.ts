/**
 * Every failure the core reports is a SoundgateError with a machine `code`.
 * Messages are written here, never copied from a response body, so they cannot
 * carry a token, code, verifier or client secret back to a log.
 */
export type SoundgateErrorCode =
  // OAuth errors returned by the authorization server (RFC 6749 §5.2 and SoundCloud's).
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "access_denied"
  // The stored grant is dead (refresh token rejected): the user must connect again.
  | "reauth_required"
  // Transport and upstream health.
  | "rate_limited"
  | "upstream_unavailable"
  | "upstream_error"
  | "invalid_response"
  | "timeout"
  | "aborted"
  // API call outcomes.
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "api_error"
  // A store refused a write because the row changed since it was read.
  | "conflict"
  // Misuse of the library.
  | "invalid_argument";

export interface SoundgateErrorOptions {
  status?: number;
  retryAfter?: number;
  cause?: unknown;
}

export class SoundgateError extends Error {
  override readonly name = "SoundgateError";
  readonly code: SoundgateErrorCode;
  /** HTTP status from upstream, when there was one. */
  readonly status: number | undefined;
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfter: number | undefined;

  constructor(code: SoundgateErrorCode, message: string, options: SoundgateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfter = options.retryAfter;
  }

  toJSON(): { code: SoundgateErrorCode; message: string; status?: number; retryAfter?: number } {
    return {
      code: this.code,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfter === undefined ? {} : { retryAfter: this.retryAfter }),
    };
  }
}

export function isSoundgateError(
  value: unknown,
  code?: SoundgateErrorCode,
): value is SoundgateError {
  return value instanceof SoundgateError && (code === undefined || value.code === code);
}
