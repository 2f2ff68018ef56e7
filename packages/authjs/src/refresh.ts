import type { JWT } from "@auth/core/jwt";
import type { Account, Session } from "@auth/core/types";
import {
  DEFAULT_REFRESH_WINDOW_MS,
  type GraceStore,
  isSoundgateError,
  type LockFn,
  RotationGuard,
  TokenManager,
  type TokenSet,
  type TokenStore,
} from "soundgate";
import { oauthClient, type SoundCloudAppOptions } from "./client-options.js";
import "./session-fields.js";

export interface SoundCloudRefreshOptions extends SoundCloudAppOptions {
  /** The provider's id in your Auth.js config. Default "soundcloud". */
  providerId?: string | undefined;
  /** Refresh when the access token has less than this left. Default 60 s. */
  refreshWindowMs?: number | undefined;
  /** How long a spent refresh token still yields the set it was exchanged for. Default 30 s. */
  graceMs?: number | undefined;
  /**
   * Cross-instance lock. Without it, refreshes are single-flight within this process only.
   * `postgresCoordination(pool).lock` is one.
   */
  lock?: LockFn | undefined;
  /** JWT sessions: where grace entries live, shared by instances. Default: process memory. */
  graceStore?: GraceStore | undefined;
  /**
   * Database sessions: the accounts table as a token store keyed by Auth.js user id
   * (`postgresCoordination(pool).accounts`, or your own for another adapter).
   */
  accounts?: TokenStore | undefined;
  /**
   * Copy the access token into the session. Off by default: the session JSON reaches the
   * browser (`/api/auth/session`, `useSession`). Prefer `getAccessToken` on the server.
   */
  exposeAccessToken?: boolean | undefined;
  /** Clock, ms since the epoch. Default Date.now. */
  now?: (() => number) | undefined;
}

type JwtParams = { token: JWT; account?: Account | null | undefined };
/** Auth.js passes `token` with JWT sessions and `user` with database sessions. */
type SessionParams = {
  session: Session;
  token?: JWT | undefined;
  user?: { id?: string | number | undefined } | undefined;
};

export interface SoundCloudRefresh {
  /** Auth.js `callbacks.jwt`: keeps the SoundCloud tokens in the JWT fresh. */
  jwt(params: JwtParams): Promise<JWT>;
  /** Auth.js `callbacks.session`: `session.error` when the grant is gone; both strategies. */
  session(params: SessionParams): Promise<Session>;
  /**
   * A valid access token for an Auth.js user, from the accounts table (database sessions;
   * needs `accounts`). Rejects with SoundgateError `reauth_required` when the user must
   * connect again.
   */
  getAccessToken(userId: string): Promise<string>;
}

/**
 * Safe refresh for SoundCloud's single-use refresh tokens in Auth.js. Two lines:
 *
 * ```ts
 * const soundcloud = soundcloudRefresh();
 * NextAuth({ providers: [SoundCloud()], callbacks: { jwt: soundcloud.jwt, session: soundcloud.session } });
 * ```
 *
 * JWT sessions: every request carrying the same cookie shares one refresh (per refresh
 * token, in process; across instances with `lock` and a shared `graceStore`), and a request
 * that still carries the old cookie within the grace gets the same new tokens. Database
 * sessions: one refresh per account, the row re-read under the lock and the rotated refresh
 * token written before anyone gets the new access token. A refused refresh token
 * (`invalid_grant`) → `error: "RefreshTokenError"` on the token and the session.
 */
export function soundcloudRefresh(options: SoundCloudRefreshOptions = {}): SoundCloudRefresh {
  const client = oauthClient(options);
  const providerId = options.providerId ?? "soundcloud";
  const windowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
  const now = options.now ?? Date.now;
  const guard = new RotationGuard({
    client,
    graceMs: options.graceMs,
    store: options.graceStore,
    lock: options.lock,
  });
  const accounts = options.accounts;
  const manager = accounts
    ? new TokenManager({ client, store: accounts, refreshWindowMs: windowMs })
    : undefined;

  async function jwt({ token, account }: JwtParams): Promise<JWT> {
    if (account) {
      if (account.provider !== providerId) return token;
      const { error: _cleared, ...rest } = token;
      return {
        ...rest,
        access_token: account.access_token,
        refresh_token: account.refresh_token,
        expires_at: account.expires_at,
      };
    }
    if (token.error === "RefreshTokenError" || typeof token.expires_at !== "number") return token;
    if (token.expires_at * 1000 - now() > windowMs) return token;
    if (!token.refresh_token) return refused(token);
    let next: TokenSet;
    try {
      next = await guard.refresh(token.refresh_token);
    } catch (error) {
      if (isSoundgateError(error, "invalid_grant")) return refused(token);
      // SoundCloud down, a timeout: keep the session and try again on the next request.
      return token;
    }
    return {
      ...token,
      access_token: next.accessToken,
      refresh_token: next.refreshToken ?? token.refresh_token,
      expires_at: Math.floor(next.expiresAt / 1000),
    };
  }

  async function session(params: SessionParams): Promise<Session> {
    const { session } = params;
    if (params.token && typeof params.token === "object") {
      const token = params.token;
      if (token.error) return { ...session, error: token.error };
      if (options.exposeAccessToken && token.access_token)
        return { ...session, accessToken: token.access_token };
      return session;
    }
    if (!manager || !accounts || params.user?.id === undefined) return session;
    const userId = String(params.user.id); // adapters differ: numbers (pg) or strings
    if (!(await accounts.get(userId))) return session; // no SoundCloud account linked
    try {
      const tokens = await manager.getTokens(userId);
      return options.exposeAccessToken ? { ...session, accessToken: tokens.accessToken } : session;
    } catch (error) {
      if (isSoundgateError(error, "reauth_required"))
        return { ...session, error: "RefreshTokenError" };
      return session;
    }
  }

  async function getAccessToken(userId: string): Promise<string> {
    if (!manager)
      throw new TypeError("getAccessToken needs the `accounts` store (database sessions)");
    return manager.getAccessToken(userId);
  }

  return { jwt, session, getAccessToken };
}

/** The refresh token is dead: drop both tokens so nothing tries them again. */
function refused(token: JWT): JWT {
  const { access_token: _a, refresh_token: _r, ...rest } = token;
  return { ...rest, error: "RefreshTokenError" };
}
