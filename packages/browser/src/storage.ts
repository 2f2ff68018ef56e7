/** What the SDK needs of a storage: localStorage and sessionStorage fit, so does a Map wrapper. */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The keys Starlib's front end uses, so existing pages and their stored logins carry over. */
export const ACCESS_TOKEN = "access_token";
export const REFRESH_TOKEN = "refresh_token";
/** Unix time in milliseconds. */
export const EXPIRES_AT = "token_expires_at";
/** JSON `{id, urn, username, permalink, avatar_url}`. */
export const USER = "sc_user";
/**
 * The access token's lifetime in milliseconds (the SDK's own key: Starlib kept none). It
 * caps the refresh margin at half the lifetime; a login stored without it keeps the margin.
 */
export const TOKEN_LIFETIME = "soundgate.token_lifetime";
export const TOKEN_KEYS = [ACCESS_TOKEN, REFRESH_TOKEN, EXPIRES_AT, USER, TOKEN_LIFETIME];

/** Per tab (sessionStorage): the state and result verifier of a login in progress. */
export const FLOW_KEY = "soundgate.flow";
/** The cross-tab refresh lease used where the Web Locks API is missing. */
export const LEASE_KEY = "soundgate.refresh_lease";

/** A JSON value from storage, or null when absent or unreadable. */
export function readJson<T>(storage: TokenStorage, key: string): T | null {
  try {
    return JSON.parse(storage.getItem(key) as string) as T | null;
  } catch {
    return null;
  }
}
