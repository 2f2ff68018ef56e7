import { hostname } from "node:os";
import {
  ApiClient,
  DEFAULT_REFRESH_WINDOW_MS,
  isRefreshDue,
  signOut,
  TokenManager,
  type TokenProvider,
} from "soundgate";
import { BoundedMap } from "../bounded-map.js";
import { aad, SealedValueError } from "../crypto/cipher.js";
import { GatewayError, upstreamError } from "../errors.js";
import type { ConnectionGrant, ConnectionRecord } from "../store/store.js";
import { type AuthCodeFlows, loginFailed, oauthErrorCode } from "./auth-code-flows.js";
import { ConnectionTokenStore, sealTokens } from "./connection-store.js";
import { oauthClient, type ServiceContext } from "./context.js";
import type { LoginResult, UserSummary } from "./login-result.js";
import { explainMissing } from "./not-connected.js";

/** How many opened access tokens are remembered (ConnectionTokenStoreOptions; ~1 MiB at most). */
const OPENED_ACCESS_TOKENS = 4096;

/**
 * Why a connection needs a new login: SoundCloud refused its grant (`grant_revoked`), or
 * this gateway cannot open its stored tokens (`unreadable`: sealed under a key it no
 * longer has, such as the ephemeral development key before a restart, or altered).
 */
export type ReauthReason = "grant_revoked" | "unreadable";

/** What an app sees of one stored connection (never its tokens). */
export interface ConnectionInfo {
  appUserId: string;
  user: UserSummary;
  status: "active" | "reauth_required";
  /** Set when `status` is `reauth_required`. */
  reauthReason?: ReauthReason;
  connectedAt: number;
  /** When the row was last written: the login, a token refresh, or a status change. */
  updatedAt: number;
  /** When the gateway last refreshed this grant's tokens; null until the first refresh. */
  refreshedAt: number | null;
}

/** Refresh a grant when its access token has less than this left. */
const REFRESH_WINDOW_MS = DEFAULT_REFRESH_WINDOW_MS;

const APP_USER_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * SoundCloud grants stored per app user (the `connections` table): connect once, then call
 * the API for that user later, with refresh (single-flight, locked across instances) and
 * persistence of every rotated refresh token handled here. A BFF session keeps its grant
 * here too, as an app user of the gateway's own (`session:<random id>`).
 */
export class AppUserConnections {
  readonly tokens: TokenManager;
  readonly #store: ConnectionTokenStore;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly authCodeFlows: AuthCodeFlows,
  ) {
    this.#store = new ConnectionTokenStore(ctx.store, ctx.cipher, ctx.now, {
      instanceId: ctx.instanceId ?? `${hostname()}:${process.pid}`,
      onUnreadable: () =>
        ctx.logger.warn(
          "a stored connection cannot be decrypted with SOUNDGATE_ENCRYPTION_KEYS; it needs a new login",
        ),
      openedAccessTokens: new BoundedMap(OPENED_ACCESS_TOKENS),
    });
    this.tokens = new TokenManager({
      client: oauthClient(ctx),
      store: this.#store,
      refreshWindowMs: REFRESH_WINDOW_MS,
      onRefresh: (outcome) =>
        ctx.counters?.increment("soundgate_refreshes_total", { held_by: "gateway", outcome }),
    });
  }

  /** Start connecting `appUserId`: returns the SoundCloud URL to send their browser to. */
  async start(
    appUserId: string,
    options: { returnTo?: string; redirectUri?: string } = {},
  ): Promise<{ url: string; state: string }> {
    checkAppUserId(appUserId);
    return this.authCodeFlows.start({
      kind: "connection",
      appUserId,
      returnTo: options.returnTo ?? options.redirectUri ?? this.ctx.redirectUri,
      ...(options.redirectUri === undefined ? {} : { redirectUri: options.redirectUri }),
    });
  }

  /**
   * Finish connecting `appUserId` with what SoundCloud sent to the callback. The flow
   * must have been started for this same app user: a code cannot be linked to anyone else.
   */
  async complete(
    appUserId: string,
    callback: { code?: string | null; state?: string | null; error?: string | null },
  ): Promise<ConnectionInfo> {
    checkAppUserId(appUserId);
    if (!callback.state) throw new GatewayError("invalid_request", "The callback has no state");
    const flow = await this.authCodeFlows.find(callback.state);
    if (flow?.kind !== "connection" || flow.status !== "pending") {
      throw new GatewayError(
        "invalid_state",
        "This connection attempt is unknown, expired or already used",
      );
    }
    if (flow.appUserId !== appUserId) {
      // Not consumed: the rightful user can still finish it.
      throw new GatewayError(
        "flow_user_mismatch",
        "This connection attempt was started for another user",
      );
    }
    const claimed = await this.authCodeFlows.claim(callback.state);
    if (!claimed)
      throw new GatewayError("invalid_state", "This connection attempt is already being completed");
    try {
      if (callback.error || !callback.code) {
        if (!callback.error) throw new GatewayError("invalid_request", "SoundCloud sent no code");
        throw loginFailed(oauthErrorCode(callback.error), (reason) =>
          reason === "access_denied"
            ? "The user declined to connect SoundCloud"
            : "SoundCloud sent no code",
        );
      }
      let result: LoginResult;
      try {
        result = await this.authCodeFlows.exchange(claimed, callback.code);
      } catch (error) {
        throw upstreamError(error, "exchange");
      }
      await this.save(appUserId, result);
      return (await this.get(appUserId)) as ConnectionInfo;
    } finally {
      await this.ctx.store.deleteFlow(claimed.id);
    }
  }

  /** Store (or replace) the grant of `id` after a login. */
  async save(id: string, result: LoginResult): Promise<void> {
    await this.ctx.store.putConnection(
      {
        id,
        soundcloudUserId: result.user.id,
        soundcloudUrn: result.user.urn,
        userJson: JSON.stringify(result.user),
        ...sealTokens(this.ctx.cipher, id, result.tokens),
      },
      this.ctx.now(),
    );
  }

  /**
   * Tokens for `appUserId`, refreshed when due. Rejects with NotConnectedError when no
   * connection is stored, and with reauth_required when SoundCloud refused the grant.
   */
  provider(appUserId: string): TokenProvider {
    checkAppUserId(appUserId);
    return explainMissing(this.tokens.provider(appUserId), async () =>
      Boolean(await this.ctx.store.getConnection(appUserId)),
    );
  }

  /**
   * The access token of a grant row just read (the proxy's join): straight from the row
   * while it is fresh, else through the manager (a refresh, single-flight and locked, or
   * the reason the grant cannot be used), which reads the row again under its lock.
   */
  accessToken(id: string, grant: ConnectionGrant | undefined): Promise<string> {
    if (grant?.status === "active") {
      const tokens = this.#store.open(grant);
      if (!tokens.reauthRequired) {
        if (!isRefreshDue(tokens, this.ctx.now(), REFRESH_WINDOW_MS)) {
          return Promise.resolve(tokens.accessToken);
        }
        // Due: straight to the locked refresh, without reading the row we hold again. It
        // refreshes only if the row still has this access token; else another request or
        // instance has rotated the grant, and its tokens are the answer.
        return this.tokens
          .refresh(id, { rejectedAccessToken: tokens.accessToken })
          .then((fresh) => fresh.accessToken);
      }
    }
    return this.tokens.getAccessToken(id);
  }

  /** An API client acting as `appUserId`: refreshes and persists rotated tokens by itself. */
  forUser(appUserId: string): ApiClient {
    return new ApiClient({
      auth: this.provider(appUserId),
      apiBaseUrl: this.ctx.soundcloud.apiUrl,
      fetch: this.ctx.fetch,
      now: this.ctx.now,
    });
  }

  async get(appUserId: string): Promise<ConnectionInfo | undefined> {
    const row = await this.ctx.store.getConnection(appUserId);
    return row && this.#info(row);
  }

  /** A page of connections, ordered by app user id. */
  async list(options: { after?: string; limit?: number } = {}): Promise<ConnectionInfo[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const rows = await this.ctx.store.listConnections({ after: options.after, limit });
    return rows.map((row) => this.#info(row));
  }

  /**
   * Sign the grant out at SoundCloud and delete it. The deletion happens even when
   * SoundCloud cannot be reached: the user asked to be disconnected here.
   */
  async disconnect(appUserId: string): Promise<boolean> {
    const tokens = await this.tokens.store.get(appUserId).catch(() => undefined);
    if (tokens?.accessToken) {
      await signOut(oauthClient(this.ctx), { accessToken: tokens.accessToken }).catch(() =>
        this.ctx.logger.warn("sign-out at SoundCloud failed; the connection is deleted anyway"),
      );
    }
    return this.ctx.store.deleteConnection(appUserId);
  }

  /**
   * What the row says, except that tokens this gateway can no longer open (sealed under
   * a key it does not have, or altered) make a grant that needs a new login, whatever
   * its status column claims.
   */
  #info(row: ConnectionRecord): ConnectionInfo {
    const reauthReason: ReauthReason | undefined =
      row.status === "reauth_required"
        ? "grant_revoked"
        : this.#tokensOpen(row)
          ? undefined
          : "unreadable";
    return {
      appUserId: row.id,
      user: JSON.parse(row.userJson) as UserSummary,
      status: reauthReason ? "reauth_required" : "active",
      ...(reauthReason ? { reauthReason } : {}),
      connectedAt: row.createdAt,
      updatedAt: row.updatedAt,
      refreshedAt: row.refreshedAt,
    };
  }

  #tokensOpen(row: ConnectionRecord): boolean {
    try {
      this.ctx.cipher.open(row.accessToken, aad("connections", "access_token", row.id));
      if (row.refreshToken !== null) {
        this.ctx.cipher.open(row.refreshToken, aad("connections", "refresh_token", row.id));
      }
      return true;
    } catch (error) {
      if (error instanceof SealedValueError) return false;
      throw error;
    }
  }
}

function checkAppUserId(appUserId: string): void {
  if (typeof appUserId !== "string" || !APP_USER_ID.test(appUserId)) {
    throw new GatewayError("invalid_request", "appUserId must be 1-200 printable ASCII characters");
  }
}
