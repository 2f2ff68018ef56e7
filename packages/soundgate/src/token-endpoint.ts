import { base64Utf8 } from "./encoding.js";
import { SoundgateError, type SoundgateErrorCode } from "./errors.js";
import { type BufferedResponse, sendBuffered } from "./http.js";
import type { ResolvedOAuthClient } from "./oauth-client.js";
import { parseRetryAfter, retryDelay, sleep } from "./retry.js";

const OAUTH_ERRORS: ReadonlySet<string> = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
]);

export interface TokenPostOptions {
  /** Only a POST the server did not act on may be repeated; a code exchange never is. */
  retryable: boolean;
  /** Send credentials as HTTP Basic (client_credentials) instead of in the body. */
  basicAuth: boolean;
  signal?: AbortSignal | undefined;
}

/** POST a form to the token endpoint and return the 2xx response, or throw a typed error. */
export async function postTokenRequest(
  client: ResolvedOAuthClient,
  params: Record<string, string>,
  options: TokenPostOptions,
): Promise<BufferedResponse> {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = {
    "Content-Type": "application/x-www-form-urlencoded",
    Accept: "application/json",
  };
  if (options.basicAuth) {
    // RFC 6749 §2.3.1: each part is form-encoded (application/x-www-form-urlencoded:
    // a space is "+", unlike encodeURIComponent) before base64.
    const user = formEncode(client.clientId);
    const pass = formEncode(client.clientSecret);
    headers.Authorization = `Basic ${base64Utf8(`${user}:${pass}`)}`;
  } else {
    body.set("client_id", client.clientId);
    body.set("client_secret", client.clientSecret);
  }
  const encoded = body.toString();

  for (let attempt = 0; ; attempt++) {
    const response = await sendBuffered(
      client.endpoints.tokenUrl,
      { method: "POST", headers, body: encoded },
      { fetch: client.fetch, timeoutMs: client.timeoutMs, signal: options.signal },
    );
    if (response.status >= 200 && response.status < 300) return response;
    const error = tokenEndpointError(response, client.now());
    // 429 and 503 mean the server did nothing with the request, so repeating it cannot
    // spend a single-use refresh token twice. Anything else is final.
    const safeToRepeat = response.status === 429 || response.status === 503;
    const wait =
      options.retryable && safeToRepeat
        ? retryDelay(attempt + 1, error.retryAfter, client.retry)
        : undefined;
    if (wait === undefined) throw error;
    await sleep(wait, options.signal);
  }
}

export function tokenEndpointError(response: BufferedResponse, now: number): SoundgateError {
  const { status } = response;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"), now);
  const oauthError = readOAuthError(response.text);
  if (status === 429 || oauthError === "rate_limit_exceeded") {
    return new SoundgateError("rate_limited", "SoundCloud is rate limiting token requests", {
      status,
      retryAfter,
    });
  }
  if (status >= 500) {
    const code: SoundgateErrorCode = status === 500 ? "upstream_error" : "upstream_unavailable";
    return new SoundgateError(code, `SoundCloud's token endpoint failed (HTTP ${status})`, {
      status,
      retryAfter,
    });
  }
  if (oauthError !== undefined && OAUTH_ERRORS.has(oauthError)) {
    return new SoundgateError(oauthError as SoundgateErrorCode, describeOAuthError(oauthError), {
      status,
    });
  }
  if ((status >= 300 && status < 400) || response.redirectHidden) {
    return new SoundgateError(
      "invalid_response",
      response.redirectHidden
        ? "The token endpoint redirected"
        : `The token endpoint redirected (HTTP ${status})`,
      { status },
    );
  }
  return new SoundgateError(
    "upstream_error",
    `The token endpoint refused the request (HTTP ${status})`,
    {
      status,
    },
  );
}

function readOAuthError(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) {
      const error = (body as Record<string, unknown>).error;
      // Only a short token-like word is trusted; a body is never echoed into a message.
      if (typeof error === "string" && /^[a-z_]{1,64}$/.test(error)) return error;
    }
  } catch {
    // Not JSON: an HTML error page or similar. The status decides.
  }
  return undefined;
}

function describeOAuthError(code: string): string {
  switch (code) {
    case "invalid_grant":
      return "SoundCloud rejected the grant: the code or refresh token is invalid, expired, already used or revoked, or the PKCE verifier or redirect URI does not match";
    case "invalid_client":
      return "SoundCloud rejected the client credentials: check the client id and secret";
    case "unauthorized_client":
      return "This client is not allowed to use this grant type";
    case "unsupported_grant_type":
      return "SoundCloud does not support this grant type";
    case "invalid_scope":
      return "The requested scope is invalid";
    default:
      return "SoundCloud refused the token request as malformed";
  }
}

/** One value as application/x-www-form-urlencoded writes it. */
function formEncode(value: string): string {
  return new URLSearchParams([["v", value]]).toString().slice(2);
}
