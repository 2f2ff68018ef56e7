import { ApiClient, type ApiClientOptions, type QueryValue } from "../api-client.js";
import { SOUNDCLOUD_ENDPOINTS } from "../endpoints.js";
import { SoundgateError } from "../errors.js";
import { postSignOut } from "../sign-out.js";
import { CommentsApi } from "./comments.js";
import { LikesApi } from "./likes.js";
import { MeApi } from "./me.js";
import type { CallOptions } from "./options.js";
import type { Paginated } from "./pagination.js";
import { PlaylistsApi } from "./playlists.js";
import { RepostsApi } from "./reposts.js";
import { TracksApi } from "./tracks.js";
import type { Resource } from "./types.js";
import { UsersApi } from "./users.js";

export interface SoundCloudOptions extends ApiClientOptions {
  /** Where `signOut()` posts. Default https://secure.soundcloud.com/sign-out. */
  signOutUrl?: string | undefined;
}

/** The typed SoundCloud API: `createSoundCloud({ auth })`. */
export interface SoundCloud {
  /** The transport underneath, for calls this surface does not name. */
  readonly api: ApiClient;
  readonly me: MeApi;
  readonly users: UsersApi;
  readonly tracks: TracksApi;
  readonly playlists: PlaylistsApi;
  readonly comments: CommentsApi;
  readonly likes: LikesApi;
  readonly reposts: RepostsApi;
  /** The track, playlist or user a soundcloud.com URL shows (check `kind`). */
  resolve(url: string, options?: CallOptions): Promise<Resource>;
  /** Ends the session behind the current access token at SoundCloud. */
  signOut(options?: CallOptions): Promise<void>;
  /** Any list endpoint by path, paginated like the named ones. */
  paginate<T>(
    path: string,
    options?: { query?: Record<string, QueryValue>; limit?: number; signal?: AbortSignal },
  ): Paginated<T>;
}

/**
 * The typed client. `auth` supplies tokens: `manager.provider(userKey)` for a user
 * (refreshed before expiry, and once more on a 401), a `ClientCredentialsCache` for
 * public data, or a fixed token string.
 *
 * ```ts
 * const sc = createSoundCloud({ auth: manager.provider(userId) });
 * for await (const track of sc.me.likes.tracks()) console.log(track.title);
 * ```
 */
export function createSoundCloud(options: SoundCloudOptions): SoundCloud {
  const api = new ApiClient(options);
  const auth = options.auth;
  const signOutUrl = options.signOutUrl ?? SOUNDCLOUD_ENDPOINTS.signOutUrl;
  return {
    api,
    me: new MeApi(api),
    users: new UsersApi(api),
    tracks: new TracksApi(api),
    playlists: new PlaylistsApi(api),
    comments: new CommentsApi(api),
    likes: new LikesApi(api),
    reposts: new RepostsApi(api),
    resolve: (url, call) => resolve(api, url, call),
    signOut: async (call = {}) => {
      const token =
        typeof auth === "string" ? auth : await auth.getAccessToken({ signal: call.signal });
      await postSignOut(signOutUrl, token, {
        fetch: api.fetch,
        timeoutMs: call.timeoutMs ?? api.timeoutMs,
        signal: call.signal,
      });
    },
    paginate: (path, paginateOptions) => api.paginate(path, paginateOptions),
  };
}

/**
 * `/resolve` answers 302 with the resource's API URL. It is fetched here, on the API
 * origin only (`request` refuses any other host), so the token never follows a
 * redirect somewhere else.
 */
async function resolve(api: ApiClient, url: string, options: CallOptions = {}) {
  if (typeof url !== "string" || url.trim() === "") {
    throw new SoundgateError("invalid_argument", "resolve needs a soundcloud.com URL");
  }
  const found = await api.request<{ location?: unknown; kind?: unknown }>("GET", "/resolve", {
    ...options,
    query: { url },
  });
  // A runtime that followed the redirect anyway hands back the resource itself.
  if (typeof found?.kind === "string") return found as unknown as Resource;
  if (typeof found?.location !== "string") {
    throw new SoundgateError("invalid_response", "The resolve answer had no location");
  }
  return api.request<Resource>("GET", found.location, options);
}
