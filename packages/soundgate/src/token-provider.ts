/**
 * What an API client needs from whoever holds the tokens: a valid access token, and a
 * way to report one that the API rejected so the next call gets a fresh one.
 */
export interface TokenProvider {
  getAccessToken(options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * The API answered 401 to `rejectedToken`. Resolves true when a different token is now
   * available (worth one retry), false when retrying cannot help; rejects when getting
   * a new token failed (SoundCloud unavailable, or the grant is dead: reauth_required).
   */
  handleUnauthorized?(rejectedToken: string): Promise<boolean>;
}
