/** Where SoundCloud (or the emulator, or a test double) lives. */
export interface SoundCloudEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  signOutUrl: string;
  /** Base of the public API, without a trailing slash. */
  apiBaseUrl: string;
}

export const SOUNDCLOUD_ENDPOINTS: Readonly<SoundCloudEndpoints> = Object.freeze({
  authorizeUrl: "https://secure.soundcloud.com/authorize",
  tokenUrl: "https://secure.soundcloud.com/oauth/token",
  signOutUrl: "https://secure.soundcloud.com/sign-out",
  apiBaseUrl: "https://api.soundcloud.com",
});

/**
 * Endpoints for a server that serves SoundCloud's auth paths and API paths on one
 * origin, as the Soundgate emulator does: `endpointsForOrigin("http://127.0.0.1:8788")`.
 */
export function endpointsForOrigin(
  authOrigin: string,
  apiOrigin: string = authOrigin,
): SoundCloudEndpoints {
  const auth = trimSlash(authOrigin);
  return {
    authorizeUrl: `${auth}/authorize`,
    tokenUrl: `${auth}/oauth/token`,
    signOutUrl: `${auth}/sign-out`,
    apiBaseUrl: trimSlash(apiOrigin),
  };
}

export function resolveEndpoints(
  overrides: Partial<SoundCloudEndpoints> | undefined,
): SoundCloudEndpoints {
  const pick = (key: keyof SoundCloudEndpoints) => overrides?.[key] ?? SOUNDCLOUD_ENDPOINTS[key];
  return {
    authorizeUrl: pick("authorizeUrl"),
    tokenUrl: pick("tokenUrl"),
    signOutUrl: pick("signOutUrl"),
    apiBaseUrl: trimSlash(pick("apiBaseUrl")),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
