// Shapes of the SoundCloud objects the core reads, after SoundCloud's published OpenAPI
// schemas. Fields SoundCloud may omit or null are typed so.

/** `soundcloud:<kind>:<id>`, e.g. `soundcloud:tracks:123`. */
export type Urn<Kind extends string = string> = `soundcloud:${Kind}:${string}`;
export type UserUrn = Urn<"users">;
export type TrackUrn = Urn<"tracks">;
export type PlaylistUrn = Urn<"playlists">;

export interface User {
  id: number;
  urn: UserUrn;
  kind?: "user";
  username: string;
  permalink: string;
  permalink_url?: string;
  avatar_url: string | null;
  full_name?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  description?: string | null;
  city?: string | null;
  country?: string | null;
  followers_count?: number;
  followings_count?: number;
  track_count?: number;
  playlist_count?: number;
  public_favorites_count?: number;
  reposts_count?: number;
  created_at?: string;
  last_modified?: string;
  uri?: string;
  website?: string | null;
}

/** The authenticated user (`GET /me`): a User with private counters. */
export interface Me extends User {
  private_tracks_count?: number;
  private_playlists_count?: number;
  primary_email_confirmed?: boolean;
  locale?: string | null;
}

/** A page of a list endpoint called with `linked_partitioning=true`. */
export interface Page<T> {
  collection: T[];
  next_href?: string | null;
}
