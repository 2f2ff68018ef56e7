import { SoundgateError } from "./errors.js";
import { type OAuthClientOptions, resolveOAuthClient } from "./oauth-client.js";
import { isValidCodeVerifier } from "./pkce.js";
import { postSignOut } from "./sign-out.js";
import { postTokenRequest } from "./token-endpoint.js";
import { parseTokenResponse, type TokenSet } from "./token-set.js";

export interface ExchangeCodeParams {
  code: string;
  /** The verifier created for this very flow. */
  codeVerifier: string;
  /** Defaults to the client's redirectUri; must be the one used in the authorize URL. */
  redirectUri?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * authorization_code grant. Never retried: a code is single-use, and if the first
 * attempt reached SoundCloud a second one would revoke what the first obtained.
 */
export async function exchangeCode(
  options: OAuthClientOptions,
  params: ExchangeCodeParams,
): Promise<TokenSet> {
  const client = resolveOAuthClient(options);
  const redirectUri = params.redirectUri ?? client.redirectUri;
  if (!params.code)
    throw new SoundgateError("invalid_argument", "An authorization code is required");
  if (!redirectUri)
    throw new SoundgateError("invalid_argument", "A redirectUri is required for the code exchange");
  if (!isValidCodeVerifier(params.codeVerifier)) {
    throw new SoundgateError(
      "invalid_argument",
      "codeVerifier must be 43-128 characters of [A-Za-z0-9-._~]",
    );
  }
  const response = await postTokenRequest(
    client,
    {
      grant_type: "authorization_code",
      code: params.code,
      redirect_uri: redirectUri,
      code_verifier: params.codeVerifier,
    },
    { retryable: false, basicAuth: false, signal: params.signal },
  );
  return parseTokenResponse(response.text, client.now(), response.status);
}

export interface RefreshParams {
  refreshToken: string;
  signal?: AbortSignal | undefined;
}

/**
 * refresh_token grant. SoundCloud's refresh tokens are single-use: persist the returned
 * set before using its access token, and never call this twice with one token (the
 * TokenManager makes sure of that). If SoundCloud omits a new refresh token, the old
 * one is kept.
 */
export async function refreshToken(
  options: OAuthClientOptions,
  params: RefreshParams,
): Promise<TokenSet> {
  const client = resolveOAuthClient(options);
  if (!params.refreshToken)
    throw new SoundgateError("invalid_argument", "A refresh token is required");
  const form: Record<string, string> = {
    grant_type: "refresh_token",
    refresh_token: params.refreshToken,
  };
  const response = await postTokenRequest(client, form, {
    retryable: true,
    basicAuth: false,
    signal: params.signal,
  });
  const tokens = parseTokenResponse(response.text, client.now(), response.status);
  return tokens.refreshToken === undefined
    ? { ...tokens, refreshToken: params.refreshToken }
    : tokens;
}

/**
 * client_credentials grant (HTTP Basic), for public resources. SoundCloud allows only
 * 50 of these per 12 h per app: use ClientCredentialsCache rather than calling this per request.
 */
export async function clientCredentials(
  options: OAuthClientOptions,
  params: { signal?: AbortSignal | undefined } = {},
): Promise<TokenSet> {
  const client = resolveOAuthClient(options);
  const response = await postTokenRequest(
    client,
    { grant_type: "client_credentials" },
    { retryable: true, basicAuth: true, signal: params.signal },
  );
  return parseTokenResponse(response.text, client.now(), response.status);
}

/** Revoke the user's session at SoundCloud. Resolves when SoundCloud accepted it. */
export async function signOut(
  options: OAuthClientOptions,
  params: { accessToken: string; signal?: AbortSignal | undefined },
): Promise<void> {
  const client = resolveOAuthClient(options);
  await postSignOut(client.endpoints.signOutUrl, params.accessToken, {
    fetch: client.fetch,
    timeoutMs: client.timeoutMs,
    signal: params.signal,
  });
}
