import type { ApiClient } from "../api-client.js";
import type { CallOptions } from "./options.js";
import type { PlaylistUrn, TrackUrn } from "./types.js";
import { urnSegment } from "./urn.js";

/** Liking as the signed-in user. Each call is idempotent: liking twice is one like. */
export class LikesApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async track(track: TrackUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("POST", `/likes/tracks/${urnSegment("tracks", track)}`, options);
  }

  async unlikeTrack(track: TrackUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("DELETE", `/likes/tracks/${urnSegment("tracks", track)}`, options);
  }

  async playlist(playlist: PlaylistUrn, options: CallOptions = {}): Promise<void> {
    const path = `/likes/playlists/${urnSegment("playlists", playlist)}`;
    await this.#api.request("POST", path, options);
  }

  async unlikePlaylist(playlist: PlaylistUrn, options: CallOptions = {}): Promise<void> {
    const path = `/likes/playlists/${urnSegment("playlists", playlist)}`;
    await this.#api.request("DELETE", path, options);
  }
}
