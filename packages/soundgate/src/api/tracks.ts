import { type ApiClient, apiError } from "../api-client.js";
import { SoundgateError } from "../errors.js";
import { type AccessListOptions, accessOf, type CallOptions, type ListOptions } from "./options.js";
import { list, type Paginated } from "./pagination.js";
import { query, range } from "./query.js";
import type {
  Storefront,
  StorefrontInput,
  Streams,
  Track,
  TrackMetadata,
  TrackUrn,
  User,
} from "./types.js";
import { type UploadInput, uploadTrack } from "./upload.js";
import { urnSegment } from "./urn.js";

export interface TrackSearch extends AccessListOptions {
  /** Free text: title, genre, tags. */
  q?: string | undefined;
  urns?: readonly TrackUrn[] | undefined;
  genres?: readonly string[] | undefined;
  tags?: readonly string[] | undefined;
  bpm?: { from?: number; to?: number } | undefined;
  /** Milliseconds. */
  duration?: { from?: number; to?: number } | undefined;
  /** `yyyy-mm-dd hh:mm:ss`. */
  createdAt?: { from?: string; to?: string } | undefined;
}

/** Options of calls that can reach a private track through its secret link. */
export interface SecretOptions extends CallOptions {
  secretToken?: string | undefined;
}

/** Tracks: read any (an app token is enough), change and upload your own (a user token). */
export class TracksApi {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  async get(track: TrackUrn, options: SecretOptions = {}): Promise<Track> {
    return this.#api.request<Track>("GET", this.#path(track), withSecret(options));
  }

  search(params: TrackSearch = {}): Paginated<Track> {
    return list(this.#api, "/tracks", params, {
      q: params.q,
      urns: params.urns,
      genres: params.genres,
      tags: params.tags,
      ...accessOf(params),
      ...range("bpm", params.bpm),
      ...range("duration", params.duration),
      ...range("created_at", params.createdAt),
    });
  }

  /** Change your track's metadata; fields left out stay as they are. */
  async update(
    track: TrackUrn,
    metadata: TrackMetadata,
    options: CallOptions = {},
  ): Promise<Track> {
    return this.#api.request<Track>("PUT", this.#path(track), {
      ...options,
      body: { track: metadata },
    });
  }

  async delete(track: TrackUrn, options: CallOptions = {}): Promise<void> {
    await this.#api.request("DELETE", this.#path(track), options);
  }

  /** Where a player gets the audio (HLS, or a preview for `preview` access). */
  async streams(track: TrackUrn, options: SecretOptions = {}): Promise<Streams> {
    return this.#api.request<Streams>("GET", this.#path(track, "streams"), withSecret(options));
  }

  /**
   * The URL a preview plays from. `/preview` answers with a redirect to the media host;
   * the client reads its Location rather than following it, so the token stays home.
   */
  async previewUrl(track: TrackUrn, options: SecretOptions = {}): Promise<string> {
    const response = await this.#api.send("GET", this.#path(track, "preview"), withSecret(options));
    if (response.redirectHidden) {
      throw new SoundgateError(
        "api_error",
        "A browser does not let a page read where /preview redirects; play the preview_mp3_128_url of tracks.streams() instead",
      );
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) return location;
    if (response.status >= 400) throw apiError(response.status, undefined);
    throw new SoundgateError("invalid_response", "The preview answer had no Location");
  }

  /** Users who liked the track. */
  favoriters(track: TrackUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(track, "favoriters"), options);
  }

  reposters(track: TrackUrn, options: ListOptions = {}): Paginated<User> {
    return list(this.#api, this.#path(track, "reposters"), options);
  }

  related(track: TrackUrn, options: AccessListOptions = {}): Paginated<Track> {
    return list(this.#api, this.#path(track, "related"), options, accessOf(options));
  }

  /**
   * Replace the storefront (Artist Storefront) of your track. Needs a creator plan;
   * optional fields left out are cleared.
   */
  async setStorefront(
    track: TrackUrn,
    storefront: StorefrontInput,
    options: CallOptions = {},
  ): Promise<Storefront> {
    return this.#api.request<Storefront>("PUT", this.#path(track, "storefront"), {
      ...options,
      body: storefront,
    });
  }

  /**
   * Upload a track (`POST /tracks`, multipart). The file is streamed, never read into
   * memory, and `onProgress` reports the bytes sent. See UploadInput.
   */
  async upload(input: UploadInput): Promise<Track> {
    return uploadTrack(this.#api, input);
  }

  #path(track: TrackUrn, sub?: string): string {
    const base = `/tracks/${urnSegment("tracks", track)}`;
    return sub === undefined ? base : `${base}/${sub}`;
  }
}

function withSecret({ secretToken, ...options }: SecretOptions) {
  return { ...options, query: query({ secret_token: secretToken }) };
}
