/**
 * The JSON objects of SoundCloud's public API, as its OpenAPI spec names their
 * fields (User, Me, Track, Playlist, Comment, Streams, Found). `id` is kept
 * beside `urn` because the live API still sends it and clients still read it.
 */

import type { TrackAccess, UserPlan } from "../catalog.js";

export interface ScUser {
  avatar_url: string;
  city: string;
  country: string;
  created_at: string;
  description: string | null;
  discogs_name: string | null;
  first_name: string;
  followers_count: number;
  followings_count: number;
  full_name: string;
  id: number;
  kind: "user";
  last_modified: string;
  last_name: string;
  permalink: string;
  permalink_url: string;
  plan: UserPlan;
  playlist_count: number;
  public_favorites_count: number;
  reposts_count: number;
  track_count: number;
  uri: string;
  urn: string;
  username: string;
  website: string | null;
  website_title: string | null;
  subscriptions: { product: { id: string; name: string }; recurring: boolean }[];
}

export interface ScMe extends ScUser {
  comments_count: number;
  likes_count: number;
  locale: string | null;
  online: boolean;
  primary_email_confirmed: boolean;
  private_playlists_count: number;
  private_tracks_count: number;
  quota: {
    unlimited_upload_quota: boolean;
    upload_seconds_used: number;
    upload_seconds_left: number | null;
  };
  upload_seconds_left: number | null;
}

export interface ScTrack {
  access: TrackAccess;
  artwork_url: string | null;
  available_country_codes: string | null;
  bpm: number | null;
  comment_count: number;
  commentable: boolean;
  created_at: string;
  description: string | null;
  download_count: number;
  download_url: string | null;
  downloadable: boolean;
  duration: number;
  embeddable_by: "all" | "me" | "none";
  favoritings_count: number;
  genre: string;
  id: number;
  isrc: string | null;
  key_signature: string | null;
  kind: "track";
  label_name: string | null;
  license: string;
  metadata_artist: string | null;
  permalink: string;
  permalink_url: string;
  playback_count: number;
  purchase_title: string | null;
  purchase_url: string | null;
  release: string | null;
  release_day: number | null;
  release_month: number | null;
  release_year: number | null;
  reposts_count: number;
  reveal_comments: boolean;
  reveal_stats: boolean;
  secret_uri: string | null;
  sharing: "public" | "private";
  stream_url: string;
  streamable: boolean;
  tag_list: string;
  title: string;
  uri: string;
  urn: string;
  user: ScUser;
  user_favorite: boolean;
  user_playback_count: number;
  waveform_url: string;
}

export interface ScPlaylist {
  artwork_url: string | null;
  created_at: string;
  description: string | null;
  downloadable: boolean;
  duration: number;
  ean: string | null;
  embeddable_by: "all" | "me" | "none";
  genre: string;
  id: number;
  kind: "playlist";
  label: ScUser | null;
  label_id: number | null;
  label_name: string | null;
  last_modified: string;
  license: string;
  likes_count: number;
  permalink: string;
  permalink_url: string;
  playlist_type: string;
  purchase_title: string | null;
  purchase_url: string | null;
  release: string | null;
  release_day: number | null;
  release_month: number | null;
  release_year: number | null;
  sharing: "public" | "private";
  streamable: boolean;
  tag_list: string;
  tags: string;
  title: string;
  track_count: number;
  /** Present unless `show_tracks=false`. */
  tracks?: ScTrack[];
  tracks_uri: string;
  type: string;
  uri: string;
  urn: string;
  user: ScUser;
  user_urn: string;
}

export interface ScCommentUser {
  avatar_url: string;
  followers_count: number;
  followings_count: number;
  id: number;
  kind: "user";
  last_modified: string;
  permalink: string;
  permalink_url: string;
  reposts_count: number;
  uri: string;
  urn: string;
  username: string;
}

export interface ScComment {
  body: string;
  created_at: string;
  id: number;
  kind: "comment";
  /** Position in the track in ms. */
  timestamp: number;
  track_urn: string;
  uri: string;
  urn: string;
  user: ScCommentUser;
  user_urn: string;
}

export interface ScStreams {
  hls_aac_160_url?: string;
  hls_mp3_128_url?: string;
  http_mp3_128_url?: string;
  preview_mp3_128_url?: string;
}

export interface ScWebProfile {
  created_at: string;
  id: number;
  kind: "web-profile";
  service: string;
  title: string;
  url: string;
  urn: string;
  username: string | null;
}

/** Paginated lists with `linked_partitioning=true`; `next_href` is absent on the last page. */
export interface ScCollection<T> {
  collection: T[];
  next_href?: string;
}

/** One entry of `/me/feed`: a track or playlist, posted or reposted by someone you follow. */
export interface ScActivity {
  type: "track" | "track:repost" | "playlist" | "playlist:repost";
  created_at: string;
  origin: ScTrack | ScPlaylist;
  /** URN of the reposter, on `*:repost` entries. */
  reposter?: string;
}

/** The Activities object: always paginated, with a `future_href` to poll for newer entries. */
export interface ScActivities {
  collection: ScActivity[];
  next_href?: string;
  future_href: string;
}

/** A track's storefront (PUT /tracks/{urn}/storefront). */
export interface ScStorefront {
  track_urn: string;
  title: string;
  type: string;
  link: string;
  link_title: string | null;
  description: string | null;
  image_url: string | null;
  price: string | null;
}

/** SoundCloud's simple status bodies: `{"status": "200 - OK"}` and friends. */
export interface ScStatus {
  status: string;
}
