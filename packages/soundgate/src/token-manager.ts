import { isSoundgateError, SoundgateError } from "./errors.js";
import { refreshToken } from "./grants.js";
import {
  type OAuthClientOptions,
  type ResolvedOAuthClient,
  resolveOAuthClient,
} from "./oauth-client.js";
import { SingleFlight, withSignal } from "./single-flight.js";
import type { TokenProvider } from "./token-provider.js";
import type { TokenSet } from "./token-set.js";
import { MemoryTokenStore, type StoredTokens, type TokenStore } from "./token-store.js";

export const DEFAULT_REFRESH_WINDOW_MS = 60_000;

export interface TokenManagerOptions {
  client: OAuthClientOptions;
  /** Default: an in-memory store. */
  store?: TokenStore | undefined;
  /** Refresh when the access token has less than this left. Default 60 s. */
  refreshWindowMs?: number | undefined;
  /**
   * Told how each successful refresh a caller asked for was served (for metrics; it
   * must not throw): `upstream` when this call refreshed at SoundCloud, `shared` when it
   * got tokens another caller had just got (in this process or, through the store's
   * lock, in another).
   */
  onRefresh?: ((outcome: RefreshOutcome) => void) | undefined;
}

export type RefreshOutcome = "upstream" | "shared";

interface RefreshRequest {
  /** Refresh even if the stored token still looks fresh (the API rejected it). */
  force: boolean;
  /** Only force when the stored access token is still this one; otherwise someone already refreshed. */
  rejectedAccessToken?: string | undefined;
}

/**
 * Holds user grants and hands out valid access tokens. One refresh per key at a time:
 * concurrent callers share it; the rotated refresh token is stored before anyone gets
 * the new access token; a refresh token SoundCloud rejects turns into `reauth_required`.
 */
export class TokenManager {
  readonly store: TokenStore;
  readonly #client: ResolvedOAuthClient;
  readonly #windowMs: number;
  readonly #refreshes = new SingleFlight<StoredTokens>();
  readonly #onRefresh: ((outcome: RefreshOutcome) => void) | undefined;

  constructor(options: TokenManagerOptions) {
    this.#client = resolveOAuthClient(options.client);
    this.store = options.store ?? new MemoryTokenStore();
    this.#windowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
    this.#onRefresh = options.onRefresh;
  }

  /** Store a grant (after exchangeCode, say). Clears any re-authorization mark. */
  async save(key: string, tokens: TokenSet): Promise<void> {
    await this.store.set(key, { ...tokens, reauthRequired: false });
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(key);
  }

  /** A valid access token for `key`, refreshing first when it is within the window of expiry. */
  async getAccessToken(
    key = "default",
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<string> {
    return (await this.getTokens(key, options)).accessToken;
  }

  /** The full valid token set for `key` (refreshing when due). */
  async getTokens(
    key = "default",
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<TokenSet> {
    const stored = usable(key, await this.store.get(key));
    if (!this.#isDue(stored)) return publicTokens(stored);
    return publicTokens(await this.#refresh(key, { force: false }, options.signal));
  }

  /**
   * Refresh now. With `rejectedAccessToken`, only if the stored access token is still
   * that one, so a burst of 401s for the same stale token causes a single refresh.
   */
  async refresh(
    key = "default",
    options: { rejectedAccessToken?: string; signal?: AbortSignal | undefined } = {},
  ): Promise<TokenSet> {
    const request = { force: true, rejectedAccessToken: options.rejectedAccessToken };
    return publicTokens(await this.#refresh(key, request, options.signal));
  }

  /** A TokenProvider for one key, for the API client. */
  provider(key = "default"): TokenProvider {
    return {
      getAccessToken: (options) => this.getAccessToken(key, options),
      // A failed refresh is thrown, not swallowed: "SoundCloud is down" or "connect
      // again" tells the caller more than the API's bare 401 would.
      handleUnauthorized: async (rejectedToken) => {
        const tokens = await this.refresh(key, { rejectedAccessToken: rejectedToken });
        return tokens.accessToken !== rejectedToken;
      },
    };
  }

  #isDue(tokens: TokenSet): boolean {
    return tokens.expiresAt - this.#client.now() <= this.#windowMs;
  }

  #refresh(
    key: string,
    request: RefreshRequest,
    signal: AbortSignal | undefined,
  ): Promise<StoredTokens> {
    // The shared refresh ignores any one caller's signal: one impatient caller must not
    // abort a rotation whose result everyone else (and the store) depends on.
    // Only the caller whose work runs learns how it went; the others joined it.
    let outcome: RefreshOutcome = "shared";
    const shared = this.#refreshes.run(key, () => {
      const work = async () => {
        const done = await this.#refreshLocked(key, request);
        outcome = done.outcome;
        return done.tokens;
      };
      return this.store.withLock ? this.store.withLock(key, work) : work();
    });
    return withSignal(
      shared,
      signal,
      () => new SoundgateError("aborted", "The request was aborted"),
    ).then((tokens) => {
      this.#onRefresh?.(outcome);
      return tokens;
    });
  }

  async #refreshLocked(
    key: string,
    request: RefreshRequest,
  ): Promise<{ tokens: StoredTokens; outcome: RefreshOutcome }> {
    const shared = (tokens: StoredTokens) => ({ tokens, outcome: "shared" as const });
    // Re-read inside the lock: another process may have rotated the grant already,
    // in which case its tokens are ours and the old refresh token must not be sent.
    const current = usable(key, await this.store.get(key));
    const alreadyRotated =
      request.rejectedAccessToken !== undefined &&
      current.accessToken !== request.rejectedAccessToken;
    if (alreadyRotated || (!request.force && !this.#isDue(current))) return shared(current);
    if (!current.refreshToken) {
      const winner = await this.#writeOrLatest(key, { ...current, reauthRequired: true });
      if (winner && !winner.reauthRequired) return shared(winner);
      throw new SoundgateError(
        "reauth_required",
        "The access token expired and there is no refresh token",
      );
    }
    let next: TokenSet;
    try {
      next = await refreshToken(this.#client, { refreshToken: current.refreshToken });
    } catch (error) {
      if (!isSoundgateError(error, "invalid_grant")) throw error;
      const latest = await this.store.get(key);
      if (latest && !latest.reauthRequired && latest.refreshToken !== current.refreshToken)
        return shared(latest);
      if (latest) {
        const winner = await this.#writeOrLatest(key, { ...latest, reauthRequired: true });
        if (winner && !winner.reauthRequired) return shared(winner);
      }
      throw new SoundgateError(
        "reauth_required",
        "SoundCloud no longer accepts this grant; the user must connect again",
        { status: error.status, cause: error },
      );
    }
    // Persist before returning: the old refresh token is spent now.
    const stored: StoredTokens = { ...next, reauthRequired: false, version: current.version };
    const winner = await this.#writeOrLatest(key, stored);
    return { tokens: winner ? usable(key, winner) : stored, outcome: "upstream" };
  }

  /**
   * Store `tokens`. A store with versions may refuse because the row changed since it
   * was read (a new login, a disconnect): then the row as it is now wins and is returned.
   * Returns undefined when our write went in.
   */
  async #writeOrLatest(key: string, tokens: StoredTokens): Promise<StoredTokens | undefined> {
    try {
      await this.store.set(key, tokens);
      return undefined;
    } catch (error) {
      if (!isSoundgateError(error, "conflict")) throw error;
      return usable(key, await this.store.get(key));
    }
  }
}

function usable(key: string, tokens: StoredTokens | undefined): StoredTokens {
  if (!tokens) {
    throw new SoundgateError(
      "reauth_required",
      `No SoundCloud connection is stored for "${safeKey(key)}"`,
    );
  }
  if (tokens.reauthRequired) {
    throw new SoundgateError(
      "reauth_required",
      "This SoundCloud connection needs to be authorized again",
    );
  }
  return tokens;
}

function publicTokens(tokens: StoredTokens): TokenSet {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    scope: tokens.scope,
  };
}

// Keys are app user ids, never secrets, but keep messages bounded.
function safeKey(key: string): string {
  return key.length > 64 ? `${key.slice(0, 61)}...` : key;
}
