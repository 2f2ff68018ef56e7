import { SoundgateError, type StoredTokens, type TokenStore } from "soundgate";
import type { BoundedMap } from "../bounded-map.js";
import { aad, type Cipher, SealedValueError } from "../crypto/cipher.js";
import type { ConnectionGrant, ConnectionTokens, GatewayStore } from "../store/store.js";

export interface ConnectionTokenStoreOptions {
  /** Who refreshed a grant, in its row (SOUNDGATE_INSTANCE_ID). */
  instanceId?: string | undefined;
  /** Called when a row's tokens cannot be opened with the keys at hand. */
  onUnreadable?: (() => void) | undefined;
  /**
   * Access tokens already opened, by their sealed value (with the row it was opened for):
   * every proxied call reads its grant's row, and would open the same seal again until the
   * token rotates. The row is still read every time, so a disconnect, a rotation or a
   * rotated key is seen at once; only the decryption of an unchanged seal is skipped.
   */
  openedAccessTokens?: BoundedMap<string, { rowId: string; token: string }> | undefined;
}

/**
 * The core TokenManager's view of the connections table: tokens opened on read, sealed
 * on write (bound to their row and column), every write a compare-and-swap on the row
 * version, and a lock per connection that holds across gateway instances on Postgres.
 */
export class ConnectionTokenStore implements TokenStore {
  constructor(
    private readonly store: GatewayStore,
    private readonly cipher: Cipher,
    private readonly now: () => number,
    private readonly options: ConnectionTokenStoreOptions = {},
  ) {}

  async get(key: string): Promise<StoredTokens | undefined> {
    const row = await this.store.getConnection(key);
    return row ? this.open(row) : undefined;
  }

  /**
   * A grant row as the manager's tokens. The refresh token is opened only when something
   * reads it (a refresh): most reads only need the access token.
   */
  open(row: ConnectionGrant): StoredTokens {
    let accessToken: string;
    try {
      accessToken = this.#openAccessToken(row);
    } catch (error) {
      if (!(error instanceof SealedValueError)) throw error;
      // Sealed with a key this gateway no longer has (an ephemeral development key, a
      // key dropped too early) or altered: unusable, so the user must connect again.
      this.options.onUnreadable?.();
      return {
        expiresAt: row.expiresAt,
        scope: row.scope,
        version: row.version,
        issuedAt: row.issuedAt ?? undefined,
        accessToken: "",
        refreshToken: undefined,
        reauthRequired: true,
      };
    }
    const sealedRefresh = row.refreshToken;
    const openRefresh = (): string | undefined => {
      if (sealedRefresh === null) return undefined;
      try {
        return this.cipher.open(sealedRefresh, aad("connections", "refresh_token", row.id));
      } catch (error) {
        if (!(error instanceof SealedValueError)) throw error;
        // Without a refresh token the manager marks the grant for a new login.
        this.options.onUnreadable?.();
        return undefined;
      }
    };
    let refreshToken: string | undefined;
    let opened = false;
    // A getter in the literal (enumerable, so a spread still reads it), not
    // Object.defineProperty: that turned every proxied call's object into a slow one.
    return {
      expiresAt: row.expiresAt,
      scope: row.scope,
      version: row.version,
      issuedAt: row.issuedAt ?? undefined,
      accessToken,
      reauthRequired: row.status === "reauth_required",
      get refreshToken() {
        if (!opened) {
          opened = true;
          refreshToken = openRefresh();
        }
        return refreshToken;
      },
    };
  }

  #openAccessToken(row: ConnectionGrant): string {
    const opened = this.options.openedAccessTokens;
    const known = opened?.get(row.accessToken);
    // The same seal in another row is not the same value: its associated data differs.
    if (known !== undefined && known.rowId === row.id) return known.token;
    const token = this.cipher.open(row.accessToken, aad("connections", "access_token", row.id));
    opened?.set(row.accessToken, { rowId: row.id, token });
    return token;
  }

  async set(key: string, tokens: StoredTokens): Promise<void> {
    if (tokens.version === undefined) {
      throw new SoundgateError(
        "invalid_argument",
        "Connection writes need the version they were read at",
      );
    }
    const written = tokens.reauthRequired
      ? await this.store.markConnectionReauth(key, tokens.version, this.now())
      : await this.store.updateConnectionTokens(
          key,
          sealTokens(this.cipher, key, tokens),
          tokens.version,
          this.now(),
          this.options.instanceId ?? "unknown",
        );
    if (!written) throw new SoundgateError("conflict", "The connection changed since it was read");
  }

  async delete(key: string): Promise<void> {
    await this.store.deleteConnection(key);
  }

  /**
   * The manager's refresh of one grant. The attempt is recorded first, committed on its
   * own (the lease: if this process dies holding the grant's only valid refresh token, the
   * row says so); then the lock, and the work on a view of this store bound to the lock's
   * transaction, so its reads and its write of the rotated tokens never wait on the pool.
   */
  async withLock<T>(key: string, work: (store: TokenStore) => Promise<T>): Promise<T> {
    await this.store.noteRefreshStarted(key, this.now(), this.options.instanceId ?? "unknown");
    return this.store.withLock(
      `connection:${key}`,
      (locked) => work(new ConnectionTokenStore(locked, this.cipher, this.now, this.options)),
      // The manager's first step under the lock is to read the grant again.
      { readConnection: key },
    );
  }
}

export function sealTokens(
  cipher: Cipher,
  id: string,
  tokens: {
    accessToken: string;
    refreshToken?: string | undefined;
    scope: string;
    expiresAt: number;
    issuedAt?: number | undefined;
  },
): ConnectionTokens {
  return {
    accessToken: cipher.seal(tokens.accessToken, aad("connections", "access_token", id)),
    refreshToken:
      tokens.refreshToken === undefined
        ? null
        : cipher.seal(tokens.refreshToken, aad("connections", "refresh_token", id)),
    scope: tokens.scope,
    expiresAt: tokens.expiresAt,
    issuedAt: tokens.issuedAt ?? null,
  };
}
