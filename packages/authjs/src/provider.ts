import type { OAuthConfig, OAuthUserConfig } from "@auth/core/providers";
import {
  createSoundCloud,
  type Me,
  SOUNDCLOUD_ENDPOINTS,
  type SoundCloudEndpoints,
} from "soundgate";

export type SoundCloudProfile = Me;

export interface SoundCloudProviderOptions extends OAuthUserConfig<SoundCloudProfile> {
  /** Point at the Soundgate emulator: `endpointsForOrigin("http://127.0.0.1:8788")`. */
  endpoints?: Partial<SoundCloudEndpoints> | undefined;
}

/**
 * "Sign in with SoundCloud" for Auth.js (`@auth/core`, next-auth v5 and the other adapters).
 * Authorization code with PKCE S256 and state, the client secret in the token request body
 * (`client_secret_post`, as SoundCloud requires), and the profile from `/me`: the user's id is
 * their URN (`soundcloud:users:123`). SoundCloud shares no email address, so `email` is null.
 *
 * Client id and secret default to `AUTH_SOUNDCLOUD_ID` and `AUTH_SOUNDCLOUD_SECRET`.
 */
export default function SoundCloud(
  options: SoundCloudProviderOptions = {},
): OAuthConfig<SoundCloudProfile> {
  const { endpoints: overrides, ...userOptions } = options;
  const endpoints = { ...SOUNDCLOUD_ENDPOINTS, ...overrides };
  const apiBaseUrl = endpoints.apiBaseUrl.replace(/\/+$/, "");
  return {
    id: "soundcloud",
    name: "SoundCloud",
    type: "oauth",
    authorization: {
      url: endpoints.authorizeUrl,
      // SoundCloud has no scopes; without a `scope` here Auth.js would ask for OpenID's.
      params: { scope: "" },
    },
    token: endpoints.tokenUrl,
    userinfo: {
      url: `${apiBaseUrl}/me`,
      // The core API client: token in the Authorization header, the answer checked.
      request: ({ tokens }: { tokens: { access_token?: string } }) =>
        createSoundCloud({ auth: tokens.access_token ?? "", apiBaseUrl }).me.get(),
    },
    checks: ["pkce", "state"],
    client: { token_endpoint_auth_method: "client_secret_post" },
    profile(profile) {
      return {
        id: profile.urn,
        name: profile.full_name || profile.username,
        email: null,
        image: profile.avatar_url,
      };
    },
    style: { brandColor: "#ff5500" },
    options: userOptions,
  };
}
