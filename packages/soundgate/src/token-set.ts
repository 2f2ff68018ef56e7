import { SoundgateError } from "./errors.js";

/** What a grant yields, normalised. Times are milliseconds since the epoch. */
export interface TokenSet {
  accessToken: string;
  /** Single-use at SoundCloud: every refresh returns a new one that must be persisted. */
  refreshToken?: string | undefined;
  expiresAt: number;
  scope: string;
  /**
   * When the token endpoint issued this set, if known: with `expiresAt` it gives the
   * lifetime, which bounds how early a refresh may start (refreshWindow).
   */
  issuedAt?: number | undefined;
}

/**
 * How long before expiry to refresh: `windowMs`, but never more than half the token's
 * lifetime. A fixed window as long as the lifetime (tokens of 60 s or less against the
 * usual 60 s) would refresh on every single call.
 */
export function refreshWindow(tokens: TokenSet, windowMs: number): number {
  if (tokens.issuedAt === undefined) return windowMs;
  const lifetime = tokens.expiresAt - tokens.issuedAt;
  return lifetime > 0 ? Math.min(windowMs, lifetime / 2) : windowMs;
}

/** True when `tokens` should be refreshed at `now` (within the window of expiry). */
export function isRefreshDue(tokens: TokenSet, now: number, windowMs: number): boolean {
  return tokens.expiresAt - now <= refreshWindow(tokens, windowMs);
}

/** The JSON shape SoundCloud (and the Starlib endpoints) use on the wire. */
export interface TokenResponseJson {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope?: string;
  token_type?: string;
}

/**
 * Validate a token endpoint's 2xx body. Anything short of a usable token is an
 * `invalid_response`, so a CDN error page or a truncated body can never be half-stored.
 */
export function parseTokenResponse(text: string, now: number, status = 200): TokenSet {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new SoundgateError(
      "invalid_response",
      "The token endpoint answered with something other than JSON",
      {
        status,
        cause,
      },
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("was not a JSON object", status);
  }
  const record = body as Record<string, unknown>;
  const accessToken = record.access_token;
  if (typeof accessToken !== "string" || accessToken.length === 0) {
    throw invalid("had no access_token", status);
  }
  const tokenType = record.token_type;
  if (
    tokenType !== undefined &&
    (typeof tokenType !== "string" || tokenType.toLowerCase() !== "bearer")
  ) {
    throw invalid("had an unexpected token_type", status);
  }
  const expiresIn = toSeconds(record.expires_in);
  if (expiresIn === undefined) throw invalid("had a missing or non-numeric expires_in", status);
  const refreshToken = record.refresh_token;
  if (
    refreshToken !== undefined &&
    refreshToken !== null &&
    (typeof refreshToken !== "string" || refreshToken === "")
  ) {
    throw invalid("had a malformed refresh_token", status);
  }
  const scope = record.scope;
  return {
    accessToken,
    refreshToken: typeof refreshToken === "string" ? refreshToken : undefined,
    expiresAt: now + expiresIn * 1000,
    scope: typeof scope === "string" ? scope : "",
    issuedAt: now,
  };
}

/** Seconds left, as the wire format wants it (never negative). */
export function toTokenResponseJson(tokens: TokenSet, now: number): TokenResponseJson {
  return {
    access_token: tokens.accessToken,
    ...(tokens.refreshToken === undefined ? {} : { refresh_token: tokens.refreshToken }),
    expires_in: Math.max(0, Math.floor((tokens.expiresAt - now) / 1000)),
    scope: tokens.scope,
    token_type: "bearer",
  };
}

function toSeconds(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

function invalid(what: string, status: number): SoundgateError {
  return new SoundgateError("invalid_response", `The token response ${what}`, { status });
}
