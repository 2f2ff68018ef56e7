// The objects of SoundCloud's public API, written from the schemas of its published
// OpenAPI spec. Output types use SoundCloud's own (snake_case) field names, since that
// is what arrives on the wire; fields SoundCloud may omit are optional, fields it may
// send as null are typed so. Call options of this library are camelCase.

/** `soundcloud:<kind>:<id>`, e.g. `soundcloud:tracks:123`. */
export type Urn<Kind extends string = string> = `soundcloud:${Kind}:${string}`;
export type UserUrn = Urn<"users">;
export type TrackUrn = Urn<"tracks">;
export type PlaylistUrn = Urn<"playlists">;
export type CommentUrn = Urn<"comments">;

/** What the caller may do with a track: listen to it all, hear a snippet, or only see it. */
export type Access = "playable" | "preview" | "blocked";
export type Sharing = "public" | "private";
export type EmbeddableBy = "all" | "me" | "none";
export type License =
  | "no-rights-reserved"
  | "all-rights-reserved"
  | "cc-by"
  | "cc-by-nc"
  | "cc-by-nd"
  | "cc-by-sa"
  | "cc-by-nc-nd"
  | "cc-by-nc-sa";

export interface Subscription {
  product?: { id?: string; name?: string };
  recurring?: boolean;
}

/** The User schema. */
export interface User {
  /** The numeric id the live API still sends beside `urn`. Prefer `urn`. */
  id: number;
  urn: UserUrn;
  kind?: "user";
  username: string;
  permalink: string;
  permalink_url?: string;
  uri?: string;
  avatar_url: string | null;
  full_name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  description?: string | null;
  city?: string | null;
  country?: string | null;
  discogs_name?: string | null;
  website?: string | null;
  website_title?: string | null;
  plan?: string;
  followers_count?: number;
  followings_count?: number;
  track_count?: number;
  playlist_count?: number;
  public_favorites_count?: number;
  reposts_count?: number;
  created_at?: string;
  last_modified?: string;
  /** Deprecated by SoundCloud on User; still present on Me. */
  subscriptions?: Subscription[];
}

/** The authenticated user (`GET /me`): the Me schema, a User with private counters. */
export interface Me extends User {
  /** Always 0 now, says the spec. */
  comments_count?: number;
  likes_count?: number;
  locale?: string | null;
  online?: boolean;
  primary_email_confirmed?: boolean;
  private_playlists_count?: number;
  private_tracks_count?: number;
  quota?: {
    unlimited_upload_quota?: boolean;
    upload_seconds_used?: number;
    upload_seconds_left?: number | null;
  };
  upload_seconds_left?: number | null;
}

/** The Track schema. */
export interface Track {
  id?: number;
  urn: TrackUrn;
  kind?: "track";
  title: string;
  permalink?: string;
  permalink_url?: string;
  uri?: string;
  user?: User;
  artwork_url?: string | null;
  waveform_url?: string;
  description?: string | null;
  genre?: string | null;
  tag_list?: string;
  /** Milliseconds. */
  duration?: number;
  bpm?: number | null;
  key_signature?: string | null;
  isrc?: string | null;
  label_name?: string | null;
  license?: string;
  metadata_artist?: string | null;
  purchase_title?: string | null;
  purchase_url?: string | null;
  release?: string | null;
  release_day?: number | null;
  release_month?: number | null;
  release_year?: number | null;
  sharing?: Sharing;
  /** Only the owner of a private track sees its secret link. */
  secret_uri?: string | null;
  access?: Access | null;
  streamable?: boolean;
  downloadable?: boolean;
  download_url?: string | null;
  commentable?: boolean;
  embeddable_by?: EmbeddableBy;
  reveal_stats?: boolean;
  reveal_comments?: boolean;
  comment_count?: number;
  download_count?: number;
  favoritings_count?: number;
  playback_count?: number;
  reposts_count?: number;
  /** Set on single tracks and search results only. */
  user_favorite?: boolean;
  user_playback_count?: number | null;
  available_country_codes?: string | null;
  /** Deprecated by SoundCloud: use `sc.tracks.streams()`. */
  stream_url?: string;
  created_at?: string;
  last_modified?: string;
}

/** The Playlist schema (a set or an album). */
export interface Playlist {
  id?: number;
  urn: PlaylistUrn;
  kind?: "playlist";
  title: string;
  permalink?: string;
  permalink_url?: string;
  uri?: string;
  user?: User;
  user_urn?: UserUrn;
  artwork_url?: string | null;
  description?: string | null;
  duration?: number;
  ean?: string | null;
  embeddable_by?: string;
  genre?: string | null;
  label?: User | null;
  label_id?: number | null;
  label_name?: string | null;
  license?: string;
  playlist_type?: string;
  type?: string;
  purchase_title?: string | null;
  purchase_url?: string | null;
  release?: string | null;
  release_day?: number | null;
  release_month?: number | null;
  release_year?: number | null;
  sharing?: Sharing;
  downloadable?: boolean;
  streamable?: boolean;
  tag_list?: string;
  tags?: string | null;
  track_count?: number;
  /** Absent when asked for with `showTracks: false`. */
  tracks?: Track[];
  tracks_uri?: string | null;
  likes_count?: number;
  created_at?: string;
  last_modified?: string;
}

/** The short user object inside a Comment. */
export interface CommentUser {
  id?: number;
  urn: UserUrn;
  kind?: "user";
  username: string;
  permalink?: string;
  permalink_url?: string;
  uri?: string;
  avatar_url?: string | null;
  followers_count?: number;
  followings_count?: number;
  reposts_count?: number;
  last_modified?: string;
}

/** The Comment schema. */
export interface Comment {
  id?: number;
  urn: CommentUrn;
  kind?: "comment";
  body: string;
  /** Position in the track in milliseconds (a string in the spec, a number on the wire). */
  timestamp?: number | string | null;
  track_urn?: TrackUrn;
  user_urn?: UserUrn;
  user?: CommentUser;
  uri?: string;
  created_at?: string;
}

/** The Streams schema: where a player fetches the audio. Keep using authentication there. */
export interface Streams {
  hls_aac_160_url?: string;
  hls_mp3_128_url?: string;
  /** Deprecated by SoundCloud. */
  http_mp3_128_url?: string;
  preview_mp3_128_url?: string;
}

/** One of a user's profile links (WebProfiles schema). */
export interface WebProfile {
  urn?: string;
  kind?: string;
  service?: string;
  title?: string;
  url?: string;
  username?: string | null;
  created_at?: string;
}

/** One entry of the feed (Activities schema). */
export interface Activity {
  /** `track`, `track:repost`, `playlist`, `playlist:repost`. */
  type: string;
  created_at: string;
  origin: Track | Playlist;
  /** URN of the reposter on `*:repost` entries. */
  reposter?: UserUrn;
}

/** A track's storefront (Storefront schema). */
export interface Storefront {
  track_urn: TrackUrn;
  title: string;
  type: StorefrontType;
  link: string;
  link_title: string | null;
  description: string | null;
  image_url: string | null;
  price: string | null;
}

export type StorefrontType =
  | "digital"
  | "vinyl"
  | "cd"
  | "cassette"
  | "apparel"
  | "sample_pack"
  | "subscription"
  | "live_event"
  | "live_stream"
  | "other";

/** A page of a list endpoint called with `linked_partitioning=true`. */
export interface Page<T> {
  collection: T[];
  /** Absent (or null) on the last page. Only ever followed on the API's own origin. */
  next_href?: string | null;
  /** The feed's link for newer entries. */
  future_href?: string | null;
}

/** What `/resolve` finds. */
export type Resource = Track | Playlist | User;

/** SoundCloud's Error schema, as its API answers a refused request. */
export interface ApiErrorBody {
  code?: number;
  message?: string;
  link?: string;
  status?: string;
  error?: string | null;
  errors?: { error_message?: string }[];
}

// ---- Inputs ---------------------------------------------------------------------

/** The writable fields of a track (TrackMetadataRequest / TrackDataRequest). */
export interface TrackMetadata {
  title?: string;
  permalink?: string;
  sharing?: Sharing;
  embeddable_by?: EmbeddableBy;
  purchase_url?: string | null;
  description?: string | null;
  genre?: string | null;
  /** Space-separated; quote multi-word tags: `drone "field recording"`. */
  tag_list?: string | null;
  label_name?: string | null;
  release?: string | null;
  /** `yyyy-mm-dd`. */
  release_date?: string | null;
  streamable?: boolean;
  downloadable?: boolean;
  license?: License;
  commentable?: boolean;
  /** false = quiet mode: play and like counts are hidden. */
  reveal_stats?: boolean;
  /** false = quiet mode: comments are hidden. */
  reveal_comments?: boolean;
  isrc?: string | null;
}

/** The fields of a playlist to create or update (CreateUpdatePlaylistRequest). */
export interface PlaylistInput {
  title?: string;
  description?: string | null;
  sharing?: Sharing;
  /** Replaces the playlist's tracks, in this order. */
  tracks?: TrackUrn[];
  ean?: string | null;
  genre?: string | null;
  label_name?: string | null;
  license?: string;
  permalink?: string;
  purchase_title?: string | null;
  purchase_url?: string | null;
  release?: string | null;
  /** `yyyy-mm-dd`. */
  release_date?: string | null;
  set_type?: "album" | "playlist";
  /** Comma-separated. */
  tag_list?: string | null;
}

/** A comment to post: its text and where in the track (ms) it sits. */
export interface CommentInput {
  body: string;
  timestamp?: number;
}

/** StorefrontUpdateRequest: replaces the whole storefront; omitted optional fields are cleared. */
export interface StorefrontInput {
  title: string;
  type: StorefrontType;
  link: string;
  link_title?: string;
  description?: string;
  price?: string;
}
