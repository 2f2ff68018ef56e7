import { ApiClient, type FetchLike, type Me, type TokenSet, toTokenResponseJson } from "soundgate";

/** The user fields the Starlib front ends cache as `sc_user`. */
export interface UserSummary {
  id: number;
  urn: string;
  username: string;
  permalink: string;
  avatar_url: string | null;
}

export interface LoginResult {
  tokens: TokenSet;
  user: UserSummary;
}

/** The JSON `/result` and `/callback` answer with. */
export interface LoginResultJson {
  access_token: string;
  refresh_token: string | undefined;
  expires_in: number;
  user: UserSummary;
}

export async function fetchUserSummary(
  accessToken: string,
  options: { apiUrl: string; fetch?: FetchLike | undefined },
): Promise<UserSummary> {
  const api = new ApiClient({
    auth: accessToken,
    apiBaseUrl: options.apiUrl,
    fetch: options.fetch,
  });
  return summarize(await api.me());
}

export function summarize(me: Me): UserSummary {
  return {
    id: me.id,
    urn: me.urn,
    username: me.username,
    permalink: me.permalink,
    avatar_url: me.avatar_url ?? null,
  };
}

export function loginResultJson(result: LoginResult, now: number): LoginResultJson {
  const wire = toTokenResponseJson(result.tokens, now);
  return {
    access_token: wire.access_token,
    refresh_token: wire.refresh_token,
    expires_in: wire.expires_in,
    user: result.user,
  };
}
