import type { OAuthClientOptions, SoundCloudEndpoints } from "soundgate";

/** The app registration, shared by the provider and the refresh helpers. */
export interface SoundCloudAppOptions {
  /** Default: `AUTH_SOUNDCLOUD_ID`, the variable Auth.js reads for this provider. */
  clientId?: string | undefined;
  /** Default: `AUTH_SOUNDCLOUD_SECRET`. */
  clientSecret?: string | undefined;
  /** Point at the Soundgate emulator: `endpointsForOrigin("http://127.0.0.1:8788")`. */
  endpoints?: Partial<SoundCloudEndpoints> | undefined;
}

export function oauthClient(
  options: SoundCloudAppOptions & { now?: (() => number) | undefined },
): OAuthClientOptions {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return {
    clientId: options.clientId ?? env?.AUTH_SOUNDCLOUD_ID ?? "",
    clientSecret: options.clientSecret ?? env?.AUTH_SOUNDCLOUD_SECRET ?? "",
    endpoints: options.endpoints,
    now: options.now,
  };
}
