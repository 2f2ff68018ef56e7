import type { TokenSet } from "./token-set.js";

/** A token set as kept by a store, with what the manager learned about the grant. */
export interface StoredTokens extends TokenSet {
  /** SoundCloud rejected the refresh token: only a new login can help. */
  reauthRequired?: boolean | undefined;
  /**
   * The row version this set was read at, for stores that compare-and-swap. The manager
   * passes back the version it read; such a store refuses a write over a newer row by
   * rejecting with SoundgateError("conflict"), and the manager then adopts the newer row.
   */
  version?: number | undefined;
}

/**
 * Where a TokenManager keeps each connection's tokens. Keys are the app's choice
 * (an app user id, "default" for a script). Implementations must make `set` durable
 * before it resolves: the manager hands out a refreshed access token only after the
 * rotated refresh token is stored, because the old one is already spent.
 */
export interface TokenStore {
  get(key: string): Promise<StoredTokens | undefined>;
  set(key: string, tokens: StoredTokens): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Optional cross-process mutual exclusion for one key (a Postgres row or advisory
   * lock, a file lock). Within one process the manager already runs one refresh per key.
   * `work` gets the store to use while the lock is held: a store whose lock pins a
   * database connection passes a view of itself bound to that connection, so the reads
   * and writes under the lock never wait for a second one; others pass themselves.
   */
  withLock?<T>(key: string, work: (store: TokenStore) => Promise<T>): Promise<T>;
}

/** Process-local store: right for scripts and tests; tokens are gone on exit. */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, StoredTokens>();

  async get(key: string): Promise<StoredTokens | undefined> {
    const value = this.#entries.get(key);
    return value === undefined ? undefined : { ...value };
  }

  async set(key: string, tokens: StoredTokens): Promise<void> {
    this.#entries.set(key, { ...tokens });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }
}
