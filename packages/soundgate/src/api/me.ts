import type { ApiClient } from "../api-client.js";
import {
  type AccessListOptions,
  accessOf,
  type CallOptions,
  type ListOptions,
  type PlaylistListOptions,
} from "./options.js";
import { list, type Paginated } from "./pagination.js";
import { query } from "./query.js";
import type { Access, Activity, Me, Playlist, Track, User, UserUrn } from "./types.js";
import { urnSegment } from "./urn.js";

/** The signed-in user's own data (`/me/...`). Needs a user's token, never an app token. */
export class MeApi {
  readonly #api: ApiClient;
  /** What the user liked. */
  readonly likes: {
    tracks(options?: AccessListOptions): Paginated<Track>;
    playlists(options?: ListOptions): Paginated<Playlist>;
  };
  /** What the user reposted. */
  readonly reposts: {
    tracks(options?: AccessListOptions): Paginated<Track>;
    playlists(options?: ListOptions): Paginated<Playlist>;
  };

  constructor(api: ApiClient) {
    this.#api = api;
    this.likes = {
      tracks: (options = {}) => this.#list("/me/likes/tracks", options, accessOf(options)),
      playlists: (options = {}) => this.#list("/me/likes/playlists", options),
    };
    this.reposts = {
      tracks: (options = {}) => this.#list("/me/reposts/tracks", options, accessOf(options)),
      playlists: (options = {}) => this.#list("/me/reposts/playlists", options),
    };
  }

  /** `GET /me`. */
  async get(options: CallOptions = {}): Promise<Me> {
    return this.#api.request<Me>("GET", "/me", options);
  }

  /** The user's uploads, newest first (`sort: "asc"` for oldest first). */
  tracks(options: ListOptions & { sort?: "asc" | "desc" } = {}): Paginated<Track> {
    return this.#list("/me/tracks", options, { sort: options.sort });
  }

  /** The user's playlists and albums. */
  playlists(options: PlaylistListOptions = {}): Paginated<Playlist> {
    return this.#list("/me/playlists", options, { show_tracks: options.showTracks });
  }

  /** Who the user follows. */
  followings(options: ListOptions = {}): Paginated<User> {
    return this.#list("/me/followings", options);
  }

  /** Who follows the user. */
  followers(options: ListOptions = {}): Paginated<User> {
    return this.#list("/me/followers", options);
  }

  /** Recent tracks from the people the user follows. */
  followingsTracks(options: AccessListOptions = {}): Paginated<Track> {
    return this.#list("/me/followings/tracks", options, accessOf(options));
  }

  /** The user's feed: what the people they follow posted and reposted. */
  feed(options: AccessListOptions = {}): Paginated<Activity> {
    return this.#list("/me/feed", options, accessOf(options));
  }

  /** The feed, tracks only. */
  feedTracks(options: AccessListOptions = {}): Paginated<Activity> {
    return this.#list("/me/feed/tracks", options, accessOf(options));
  }

  /** The last 25 tracks the user played, newest first (not paginated). */
  async recentlyPlayed(
    options: CallOptions & { access?: readonly Access[] | undefined } = {},
  ): Promise<Track[]> {
    return this.#api.request<Track[]>("GET", "/me/recently-played/tracks", {
      ...options,
      query: query({ access: options.access }),
    });
  }

  /** Follow a user. Following someone already followed is fine. */
  async follow(user: UserUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("PUT", `/me/followings/${urnSegment("users", user)}`, options);
  }

  /** Stop following a user. */
  async unfollow(user: UserUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("DELETE", `/me/followings/${urnSegment("users", user)}`, options);
  }

  #list<T>(path: string, options: ListOptions, extra: Parameters<typeof list>[3] = {}) {
    return list<T>(this.#api, path, options, extra);
  }
}
