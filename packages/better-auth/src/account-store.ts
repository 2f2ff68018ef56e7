import type { AuthContext } from "better-auth";
import { decryptOAuthToken, setTokenUtil } from "better-auth/oauth2";
import type { LockFn, StoredTokens, TokenStore } from "soundgate";

/**
 * better-auth's account table as a core TokenStore keyed by user id: the user's SoundCloud
 * account row, its tokens opened and sealed the way better-auth does (encrypted when the app
 * sets `account.encryptOAuthTokens`). `context` is the one the plugin's init received;
 * better-auth finishes it (its adapter) after init, so it is read at call time.
 */
export class AccountTokenStore implements TokenStore {
  constructor(
    private readonly context: AuthContext,
    private readonly providerId: string,
    private readonly lock: LockFn | undefined,
  ) {}

  async #account(userId: string) {
    const accounts = await this.context.internalAdapter.findAccounts(userId);
    return accounts.find((account) => account.providerId === this.providerId);
  }

  async get(userId: string): Promise<StoredTokens | undefined> {
    const account = await this.#account(userId);
    if (!account?.accessToken) return undefined;
    const refreshToken = account.refreshToken
      ? await decryptOAuthToken(account.refreshToken, this.context)
      : undefined;
    return {
      accessToken: await decryptOAuthToken(account.accessToken, this.context),
      refreshToken: refreshToken || undefined,
      expiresAt: account.accessTokenExpiresAt
        ? new Date(account.accessTokenExpiresAt).getTime()
        : 0,
      scope: account.scope ?? "",
    };
  }

  async set(userId: string, tokens: StoredTokens): Promise<void> {
    const account = await this.#account(userId);
    if (!account) return; // unlinked meanwhile: nothing to keep
    if (tokens.reauthRequired) {
      // SoundCloud refused the refresh token: forget it, so nothing presents it again.
      await this.context.internalAdapter.updateAccount(account.id, { refreshToken: null });
      return;
    }
    await this.context.internalAdapter.updateAccount(account.id, {
      accessToken: await setTokenUtil(tokens.accessToken, this.context),
      refreshToken: tokens.refreshToken
        ? await setTokenUtil(tokens.refreshToken, this.context)
        : account.refreshToken,
      accessTokenExpiresAt: new Date(tokens.expiresAt),
    });
  }

  async delete(userId: string): Promise<void> {
    const account = await this.#account(userId);
    if (account) await this.context.internalAdapter.deleteAccount(account.id);
  }

  withLock<T>(userId: string, work: (store: TokenStore) => Promise<T>): Promise<T> {
    const locked = () => work(this);
    return this.lock
      ? this.lock(`soundgate:account:${this.providerId}:${userId}`, locked)
      : locked();
  }
}
