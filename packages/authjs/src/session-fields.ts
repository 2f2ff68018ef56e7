// The fields Auth.js's refresh-token-rotation guide keeps in the JWT and the session,
// declared on Auth.js's own types so `session.error` and `token.expires_at` type-check.

/** Auth.js's documented marker: the refresh token was refused; sign the user in again. */
export type RefreshTokenError = "RefreshTokenError";

export interface SoundCloudJwtFields {
  access_token?: string;
  refresh_token?: string;
  /** Seconds since the epoch, as Auth.js's `account.expires_at`. */
  expires_at?: number;
  error?: RefreshTokenError;
}

export interface SoundCloudSessionFields {
  error?: RefreshTokenError;
  /** Only with `exposeAccessToken: true`: the session JSON reaches the browser. */
  accessToken?: string;
}

declare module "@auth/core/types" {
  interface Session extends SoundCloudSessionFields {}
}

declare module "@auth/core/jwt" {
  interface JWT extends SoundCloudJwtFields {}
}
