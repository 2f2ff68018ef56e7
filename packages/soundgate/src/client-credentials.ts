import { SoundgateError } from "./errors.js";
import { clientCredentials } from "./grants.js";
import {
  type OAuthClientOptions,
  type ResolvedOAuthClient,
  resolveOAuthClient,
} from "./oauth-client.js";
import { withSignal } from "./single-flight.js";
import type { TokenProvider } from "./token-provider.js";
import { isRefreshDue, type TokenSet } from "./token-set.js";
import type { TokenStore } from "./token-store.js";

export interface ClientCredentialsCacheOptions {
  client: OAuthClientOptions;
  /** Reuse a token until this long before it expires. Default 60 s. */
  refreshWindowMs?: number | undefined;
  /** Optional persistence, so a restart does not spend one of the 50 tokens per 12 h. */
  store?: TokenStore | undefined;
  /** Key under which `store` keeps the token. Default "client_credentials". */
  storeKey?: string | undefined;
}

/**
 * An app token for public endpoints, fetched once and reused. SoundCloud allows 50 per
 * 12 h per app and 30 per hour per IP, so there is at most one request in flight, and
 * after a 429 no request is sent again until Retry-After has passed.
 */
export class ClientCredentialsCache implements TokenProvider {
  readonly #client: ResolvedOAuthClient;
  readonly #windowMs: number;
  readonly #store: TokenStore | undefined;
  readonly #storeKey: string;
  #current: TokenSet | undefined;
  #inFlight: Promise<TokenSet> | undefined;
  #blockedUntil = 0;

  constructor(options: ClientCredentialsCacheOptions) {
    this.#client = resolveOAuthClient(options.client);
    this.#windowMs = options.refreshWindowMs ?? 60_000;
    this.#store = options.store;
    this.#storeKey = options.storeKey ?? "client_credentials";
  }

  async getAccessToken(options: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (this.#current && this.#fresh(this.#current)) return this.#current.accessToken;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    const tokens = await withSignal(
      this.#inFlight,
      options.signal,
      () => new SoundgateError("aborted", "The request was aborted"),
    );
    return tokens.accessToken;
  }

  async handleUnauthorized(rejectedToken: string): Promise<boolean> {
    if (this.#current?.accessToken === rejectedToken) {
      this.#current = undefined;
      await this.#store?.delete(this.#storeKey);
    }
    return true;
  }

  /** Forget the cached token (it will be fetched again on next use). */
  async invalidate(): Promise<void> {
    this.#current = undefined;
    await this.#store?.delete(this.#storeKey);
  }

  #fresh(tokens: TokenSet): boolean {
    return !isRefreshDue(tokens, this.#client.now(), this.#windowMs);
  }

  async #fetch(): Promise<TokenSet> {
    // Another process sharing the store may have fetched one already.
    if (this.#store) {
      const stored = await this.#store.get(this.#storeKey);
      if (stored && this.#fresh(stored)) {
        this.#current = stored;
        return stored;
      }
    }
    const now = this.#client.now();
    if (now < this.#blockedUntil) {
      const retryAfter = Math.ceil((this.#blockedUntil - now) / 1000);
      throw new SoundgateError(
        "rate_limited",
        "SoundCloud is rate limiting client-credentials tokens",
        {
          status: 429,
          retryAfter,
        },
      );
    }
    try {
      const tokens = await clientCredentials(this.#client);
      await this.#store?.set(this.#storeKey, tokens);
      this.#current = tokens;
      return tokens;
    } catch (error) {
      if (
        error instanceof SoundgateError &&
        error.code === "rate_limited" &&
        error.retryAfter !== undefined
      ) {
        this.#blockedUntil = this.#client.now() + error.retryAfter * 1000;
      }
      throw error;
    }
  }
}
