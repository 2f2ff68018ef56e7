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
import type { SecretOptions } from "./tracks.js";
import type { Playlist, PlaylistInput, PlaylistUrn, Track, User } from "./types.js";
import { urnSegment } from "./urn.js";

export interface PlaylistSearch extends PlaylistListOptions, AccessListOptions {
  q?: string | undefined;
}

/** Playlists and albums: read any, create and change your own. */
export class PlaylistsApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async get(
    playlist: PlaylistUrn,
    options: SecretOptions & Pick<PlaylistSearch, "showTracks" | "access"> = {},
  ): Promise<Playlist> {
    const { secretToken, showTracks, access, ...call } = options;
    return this.#api.request<Playlist>("GET", this.#path(playlist), {
      ...call,
      query: query({ secret_token: secretToken, show_tracks: showTracks, access }),
    });
  }

  search(params: PlaylistSearch = {}): Paginated<Playlist> {
    return list(this.#api, "/playlists", params, {
      q: params.q,
      show_tracks: params.showTracks,
      ...accessOf(params),
    });
  }

  tracks(
    playlist: PlaylistUrn,
    options: AccessListOptions & { secretToken?: string | undefined } = {},
  ): Paginated<Track> {
    return list(this.#api, this.#path(playlist, "tracks"), options, {
      secret_token: options.secretToken,
      ...accessOf(options),
    });
  }

  reposters(playlist: PlaylistUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(playlist, "reposters"), options);
  }

  /** Create a playlist (a title is required). `tracks` lists track URNs in order. */
  async create(
    playlist: PlaylistInput & { title: string },
    options: CallOptions = {},
  ): Promise<Playlist> {
    return this.#api.request<Playlist>("POST", "/playlists", {
      ...options,
      body: { playlist: toWire(playlist) },
    });
  }

  /** Change a playlist; `tracks`, when given, replaces its track list. */
  async update(
    playlist: PlaylistUrn,
    changes: PlaylistInput,
    options: CallOptions = {},
  ): Promise<Playlist> {
    return this.#api.request<Playlist>("PUT", this.#path(playlist), {
      ...options,
      body: { playlist: toWire(changes) },
    });
  }

  async delete(playlist: PlaylistUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("DELETE", this.#path(playlist), options);
  }

  #path(playlist: PlaylistUrn, sub?: string): string {
    const base = `/playlists/${urnSegment("playlists", playlist)}`;
    return sub === undefined ? base : `${base}/${sub}`;
  }
}

/** The spec's request shape names tracks as `[{urn}]`. */
function toWire(input: PlaylistInput): Record<string, unknown> {
  const { tracks, ...rest } = input;
  if (tracks === undefined) return rest;
  return { ...rest, tracks: tracks.map((urn) => ({ urn: urnSegment("tracks", urn) })) };
}
