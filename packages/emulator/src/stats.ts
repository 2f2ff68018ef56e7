/** Grant types the token endpoint knows; anything else is counted as `unknown`. */
export type GrantType = "authorization_code" | "refresh_token" | "client_credentials";
export const GRANT_TYPES: readonly GrantType[] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
];

/** Every `error` the token endpoint answers with. */
export type TokenErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unsupported_grant_type"
  | "rate_limit_exceeded";

export type FaultTarget = "token" | "api" | "authorize";

/** The JSON of `GET /_emulator/stats`. */
export interface EmulatorStats {
  /** Every POST /oauth/token, under its grant_type, including failed and faulted ones. */
  token_requests: Record<GrantType | "unknown", number>;
  /** Token-endpoint errors the emulator's rules produced (injected faults are not counted here). */
  token_errors: Record<TokenErrorCode, number>;
  /** Spent refresh tokens presented again by their own client. */
  refresh_reuse: number;
  /** Every request to an API path (not the OAuth side, images or /_emulator): 401s, 404s, faults included. */
  api_requests: number;
  /** API requests answered 404: paths with no route, and unknown or hidden resources. */
  api_not_found: number;
  /** Stream requests refused with 429 by the plays quota. */
  plays_rate_limited: number;
  /** Every POST /sign-out. */
  sign_outs: number;
  /** Every GET /authorize (authorization requests), including rejected and faulted ones. */
  authorize_requests: number;
  /** Consent decisions posted to POST /authorize. */
  consent_decisions: number;
  /** Faults served by fail_next, per target. */
  faults_injected: Record<FaultTarget, number>;
}

export function emptyStats(): EmulatorStats {
  return {
    token_requests: { authorization_code: 0, refresh_token: 0, client_credentials: 0, unknown: 0 },
    token_errors: {
      invalid_request: 0,
      invalid_client: 0,
      invalid_grant: 0,
      unsupported_grant_type: 0,
      rate_limit_exceeded: 0,
    },
    refresh_reuse: 0,
    api_requests: 0,
    api_not_found: 0,
    plays_rate_limited: 0,
    sign_outs: 0,
    authorize_requests: 0,
    consent_decisions: 0,
    faults_injected: { token: 0, api: 0, authorize: 0 },
  };
}
