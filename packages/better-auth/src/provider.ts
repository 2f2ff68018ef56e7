import type { OAuth2Tokens, OAuthProvider } from "better-auth/oauth2";
import {
  buildAuthorizeUrl,
  createCodeChallenge,
  createSoundCloud,
  exchangeCode,
  type Me,
  type OAuthClientOptions,
  type RotationGuard,
  SOUNDCLOUD_ENDPOINTS,
  type TokenSet,
} from "soundgate";

/** SoundCloud shares no email; better-auth needs one, so (like its own providers) a placeholder. */
export function placeholderEmail(me: Pick<Me, "id" | "urn">): string {
  const id = String(me.id ?? me.urn.split(":").pop());
  return `${id}@soundcloud.placeholder.invalid`;
}

export function toOAuth2Tokens(tokens: TokenSet): OAuth2Tokens {
  return {
    tokenType: "bearer",
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpiresAt: new Date(tokens.expiresAt),
    scopes: tokens.scope ? tokens.scope.split(/[\s,]+/).filter(Boolean) : [],
  };
}

/**
 * SoundCloud as a better-auth social provider, built on the Soundgate core: the authorize
 * URL with PKCE S256 and state, the code exchange with the secret in the body, `/me` for the
 * profile (the account id is the user's URN), and a refresh that never spends one refresh
 * token twice (the guard), including through better-auth's own `getAccessToken`.
 */
export function soundcloudProvider(
  client: OAuthClientOptions,
  guard: RotationGuard,
): OAuthProvider<Me> {
  const endpoints = { ...SOUNDCLOUD_ENDPOINTS, ...client.endpoints };
  const apiBaseUrl = endpoints.apiBaseUrl.replace(/\/+$/, "");
  return {
    id: "soundcloud",
    name: "SoundCloud",
    async createAuthorizationURL({ state, codeVerifier, redirectURI }) {
      return new URL(
        buildAuthorizeUrl({
          clientId: client.clientId,
          redirectUri: redirectURI,
          codeChallenge: await createCodeChallenge(codeVerifier),
          state,
          endpoints,
        }),
      );
    },
    async validateAuthorizationCode({ code, codeVerifier, redirectURI }) {
      if (!codeVerifier) return null; // better-auth always sends one; without it there is no PKCE
      return toOAuth2Tokens(
        await exchangeCode(client, { code, codeVerifier, redirectUri: redirectURI }),
      );
    },
    async getUserInfo(tokens) {
      if (!tokens.accessToken) return null;
      const me = await createSoundCloud({ auth: tokens.accessToken, apiBaseUrl }).me.get();
      return {
        user: {
          name: me.full_name || me.username,
          email: placeholderEmail(me),
          emailVerified: false,
          ...(me.avatar_url ? { image: me.avatar_url } : {}),
        },
        data: me,
      };
    },
    accountSubject: ({ profile }) => profile.urn,
    async refreshAccessToken(refreshToken) {
      return toOAuth2Tokens(await guard.refresh(refreshToken));
    },
    options: { clientId: client.clientId, clientSecret: client.clientSecret },
  };
}
