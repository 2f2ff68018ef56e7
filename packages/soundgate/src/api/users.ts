import type { ApiClient } from "../api-client.js";
import {
  type AccessListOptions,
  accessOf,
  type CallOptions,
  type ListOptions,
  type PlaylistListOptions,
} from "./options.js";
import { list, type Paginated } from "./pagination.js";
import type { Playlist, Track, User, UserUrn, WebProfile } from "./types.js";
import { urnSegment } from "./urn.js";

export interface UserSearch extends ListOptions {
  q?: string | undefined;
  urns?: readonly UserUrn[] | undefined;
}

/** Public profiles (`/users/...`); an app (client-credentials) token is enough. */
export class UsersApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async get(user: UserUrn, options: CallOptions = {}): Promise<User> {
    return this.#api.request<User>("GET", this.#path(user), options);
  }

  /** Users matching `q` (username, name, city), or exactly `urns`. */
  search(params: UserSearch = {}): Paginated<User> {
    return list(this.#api, "/users", params, { q: params.q, urns: params.urns });
  }

  tracks(
    user: UserUrn,
    options: AccessListOptions & { sort?: "asc" | "desc" } = {},
  ): Paginated<Track> {
    return list(this.#api, this.#path(user, "tracks"), options, {
      ...accessOf(options),
      sort: options.sort,
    });
  }

  playlists(
    user: UserUrn,
    options: PlaylistListOptions & AccessListOptions = {},
  ): Paginated<Playlist> {
    return list(this.#api, this.#path(user, "playlists"), options, {
      ...accessOf(options),
      show_tracks: options.showTracks,
    });
  }

  followers(user: UserUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(user, "followers"), options);
  }

  followings(user: UserUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(user, "followings"), options);
  }

  likedTracks(user: UserUrn, options: AccessListOptions = {}): Paginated<Track> {
    return list(this.#api, this.#path(user, "likes/tracks"), options, accessOf(options));
  }

  likedPlaylists(user: UserUrn, options: ListOptions = {}): Paginated<Playlist> {
    return list(this.#api, this.#path(user, "likes/playlists"), options);
  }

  repostedTracks(user: UserUrn, options: AccessListOptions = {}): Paginated<Track> {
    return list(this.#api, this.#path(user, "reposts/tracks"), options, accessOf(options));
  }

  repostedPlaylists(user: UserUrn, options: ListOptions = {}): Paginated<Playlist> {
    return list(this.#api, this.#path(user, "reposts/playlists"), options);
  }

  /** Related artists, as SoundCloud recommends them. */
  related(user: UserUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(user, "related"), options);
  }

  /** The links on the user's profile (website, social networks). */
  async webProfiles(user: UserUrn, options: CallOptions = {}): Promise<WebProfile[]> {
    return this.#api.request<WebProfile[]>("GET", this.#path(user, "web-profiles"), options);
  }

  #path(user: UserUrn, sub?: string): string {
    const base = `/users/${urnSegment("users", user)}`;
    return sub === undefined ? base : `${base}/${sub}`;
  }
}
