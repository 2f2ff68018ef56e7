import type { ApiClient } from "../api-client.js";
import type { CallOptions } from "./options.js";
import type { PlaylistUrn, TrackUrn } from "./types.js";
import { urnSegment } from "./urn.js";

/** Reposting as the signed-in user. Lists of reposts are under `sc.me.reposts` and `sc.users`. */
export class RepostsApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async track(track: TrackUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("POST", `/reposts/tracks/${urnSegment("tracks", track)}`, options);
  }

  async unrepostTrack(track: TrackUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("DELETE", `/reposts/tracks/${urnSegment("tracks", track)}`, options);
  }

  async playlist(playlist: PlaylistUrn, options: CallOptions = {}): Promise<void> {
    const path = `/reposts/playlists/${urnSegment("playlists", playlist)}`;
    await this.#api.request("POST", path, options);
  }

  async unrepostPlaylist(playlist: PlaylistUrn, options: CallOptions = {}): Promise<void> {
    const path = `/reposts/playlists/${urnSegment("playlists", playlist)}`;
    await this.#api.request("DELETE", path, options);
  }
}
