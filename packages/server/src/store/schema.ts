// Table shapes, shared by every dialect, and the records the store hands out. Fields are
// camelCase; the columns are snake_case (Kysely's CamelCasePlugin maps between them, in
// queries built with Kysely; raw `sql` text names the columns themselves). Times are
// milliseconds since the epoch. Columns holding secrets (verifier, result, tokens)
// contain Cipher-sealed text only.

export type FlowStatus = "pending" | "exchanging" | "complete" | "failed";

/**
 * What a flow ends in: a one-time result for a Starlib front end, a BFF session cookie,
 * or a stored connection for an app user (the library's startConnection).
 */
export type FlowKind = "result" | "session" | "connection";

export interface AuthFlowTable {
  /** SHA-256 of the OAuth state: the state itself is never stored. */
  id: string;
  kind: FlowKind;
  status: FlowStatus;
  /** The app user a "connection" flow is bound to. */
  appUserId: string | null;
  /** SHA-256 of the browser-binding cookie of a "session" flow (login CSRF defence). */
  browserBinding: string | null;
  /** Sealed PKCE verifier; emptied once the code is exchanged. */
  verifier: string;
  redirectUri: string;
  returnTo: string;
  /** base64url SHA-256 of the front end's result secret, or null for an unbound flow. */
  resultChallenge: string | null;
  /**
   * SHA-256 of the one-time result_key the gateway put into the redirect to return_to
   * (the approving browser's half of a bound result); null until then, and for unbound flows.
   */
  resultKey: string | null;
  /** Sealed JSON of the login result, once complete. */
  result: string | null;
  /** Machine error code, once failed. */
  error: string | null;
  createdAt: number;
  expiresAt: number;
  /**
   * Sealed JSON of the plain columns the gateway trusts (kind, app_user_id,
   * browser_binding, redirect_uri, return_to, result_challenge, result_key, error,
   * expires_at), bound to this row's id (auth/flow-seal.ts): whoever can write the table
   * without the key cannot redirect a flow or swap its challenge. Null only in rows from
   * before it existed, which are not accepted.
   */
  seal: string | null;
}

export interface RefreshGraceTable {
  /** SHA-256 of the refresh token that was spent. */
  id: string;
  /** Sealed JSON of the token set it was exchanged for. */
  tokens: string;
  expiresAt: number;
}

/**
 * A refresh token handed to a browser, bound to the DPoP key that took it (RFC 9449).
 * Refresh tokens are opaque and the browser holds them, so the row is keyed by a hash of
 * the current one and carried forward on every rotation (decision 006).
 */
export interface TokenBindingTable {
  /** SHA-256 of the refresh token the client holds now. */
  id: string;
  /** SHA-256 of the one it replaced (spent): a repeat of it is recognized as such. */
  previous: string | null;
  /** Sealed RFC 7638 thumbprint of the client's key, bound to this row's id. */
  jkt: string;
  /** Unused this long, the binding goes, and the token with it (sign in again). */
  expiresAt: number;
}

/** DPoP proofs already accepted (RFC 9449 §11.1), until their iat is out of the window. */
export interface DpopProofTable {
  /** SHA-256 of the key's thumbprint and the proof's jti. */
  id: string;
  expiresAt: number;
}

export type ConnectionStatus = "active" | "reauth_required";

/** An app user's (or a BFF session's) SoundCloud grant. */
export interface ConnectionTable {
  /** The app's own user id (or a generated id for a BFF session). */
  id: string;
  soundcloudUserId: number;
  soundcloudUrn: string;
  /** JSON of the user summary (id, urn, username, permalink, avatar_url): not secret. */
  userJson: string;
  /** Sealed. */
  accessToken: string;
  /** Sealed, or null when SoundCloud gave none. */
  refreshToken: string | null;
  scope: string;
  expiresAt: number;
  status: ConnectionStatus;
  /** Bumped on every token write: a compare-and-swap guard against lost updates. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /** When SoundCloud issued the stored access token (null in rows from before 0007). */
  issuedAt: number | null;
  /**
   * The last rotation stored: when, and by which gateway instance (SOUNDGATE_INSTANCE_ID),
   * written by the statement that stores the rotated tokens.
   */
  refreshedAt: number | null;
  refreshedBy: string | null;
  /**
   * The first refresh attempt since the last stored rotation (written before its lock is
   * taken; later attempts leave it while it is unfinished). One newer than refreshedAt
   * that never got stored (a kill -9 between SoundCloud's answer and our commit, or an
   * upstream failure) says which instance tried first, and when.
   */
  refreshStartedAt: number | null;
  refreshStartedBy: string | null;
}

export interface SessionTable {
  /** SHA-256 of the session cookie's value. */
  id: string;
  connectionId: string;
  createdAt: number;
  expiresAt: number;
  /**
   * Sealed JSON of {connection_id, expires_at}, bound to this row's id: whoever can write
   * the table without the key cannot point a session at another connection. Null only in
   * rows from before it existed, which are not accepted.
   */
  seal: string | null;
}

/** A client's token bucket for rate limiting (see http/rate-limit.ts). */
export interface RateLimitTable {
  /** The client's address (or /64), with the limit's name. */
  key: string;
  /** When the bucket is full again; from then on the row says nothing and can go. */
  expiresAt: number;
}

export interface Database {
  auth_flows: AuthFlowTable;
  refresh_grace: RefreshGraceTable;
  connections: ConnectionTable;
  sessions: SessionTable;
  rate_limits: RateLimitTable;
  token_bindings: TokenBindingTable;
  dpop_proofs: DpopProofTable;
}
