import type { Access } from "./types.js";

/** What every call takes. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** This call's deadline instead of the client's. */
  timeoutMs?: number | undefined;
}

/** What every list takes. */
export interface ListOptions {
  /** Items per page, 1-200 (SoundCloud's default is 50). Iteration walks every page. */
  limit?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Lists of tracks that can be filtered by what the caller may play. */
export interface AccessListOptions extends ListOptions {
  /** Default `playable,preview` (all three on your own likes and reposts). */
  access?: readonly Access[] | undefined;
}

/** Lists of playlists, with or without their tracks (default with). */
export interface PlaylistListOptions extends ListOptions {
  showTracks?: boolean | undefined;
}

/** The `access` query parameter, when the caller chose one. */
export function accessOf(options: AccessListOptions): { access?: readonly Access[] } {
  return options.access === undefined ? {} : { access: options.access };
}
