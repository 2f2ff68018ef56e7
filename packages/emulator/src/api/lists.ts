import type { Context } from "hono";
import type { PlaylistRecord, TrackAccess, TrackRecord, UserRecord } from "../catalog.js";
import { soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import type { TokenEnv } from "./auth.js";
import { renderContextOf } from "./lookup.js";
import { type ListStyle, readPageRequest, respondWithPage } from "./pagination.js";
import { parseAccess, parseBoolean, parseSort } from "./query.js";
import { renderPlaylist, renderTrack, renderUser } from "./representations.js";
import { canSeePlaylist, canSeeTrack } from "./visibility.js";

/**
 * The list endpoints differ only in what they list; paging, the `access`
 * filter, `sort` and `show_tracks` work the same everywhere, so they live here.
 */

export interface TrackListOptions {
  /** Default of the `access` filter; null when the endpoint has no `access` parameter. */
  access: readonly TrackAccess[] | null;
  /** Whether the endpoint takes `sort` (upload date; lists arrive newest first). */
  sortable?: boolean;
  /** The spec sets `user_favorite` only on search results and single tracks. */
  showUserFavorite?: boolean;
  /** Default `choice` (Tracks); `array` for the deprecated TracksList answers. */
  style?: ListStyle;
}

export function respondTracks<E extends TokenEnv>(
  c: Context<E>,
  state: EmulatorState,
  tracks: readonly TrackRecord[],
  options: TrackListOptions,
): Response {
  const query = new URL(c.req.url).searchParams;
  const page = readPageRequest(c, state);
  if (!page.ok) return page.response;
  const viewerId = c.var.viewer.user?.id ?? null;
  let list = tracks.filter((t) => canSeeTrack(t, viewerId));
  if (options.access !== null) {
    const access = parseAccess(query, options.access);
    if (!access.ok) return soundcloudError(400, access.message);
    list = list.filter((t) => access.value.has(t.access));
  }
  if (options.sortable) {
    const sort = parseSort(query);
    if (!sort.ok) return soundcloudError(400, sort.message);
    if (sort.value === "asc") list = [...list].reverse();
  }
  const ctx = renderContextOf(c, state);
  const showUserFavorite = options.showUserFavorite === true;
  return respondWithPage(
    c,
    state,
    page.page,
    list,
    (t) => renderTrack(ctx, t, { showUserFavorite }),
    options.style,
  );
}

export function respondUsers<E extends TokenEnv>(
  c: Context<E>,
  state: EmulatorState,
  users: readonly UserRecord[],
): Response {
  const page = readPageRequest(c, state);
  if (!page.ok) return page.response;
  const ctx = renderContextOf(c, state);
  // The spec's Users answer is always `{collection, next_href}`, with or without linked_partitioning.
  return respondWithPage(c, state, page.page, users, (u) => renderUser(ctx, u), "paged");
}

export function respondPlaylists<E extends TokenEnv>(
  c: Context<E>,
  state: EmulatorState,
  playlists: readonly PlaylistRecord[],
): Response {
  const query = new URL(c.req.url).searchParams;
  const page = readPageRequest(c, state);
  if (!page.ok) return page.response;
  const showTracks = parseBoolean(query, "show_tracks", true);
  if (!showTracks.ok) return soundcloudError(400, showTracks.message);
  const ctx = renderContextOf(c, state);
  const visible = playlists.filter((p) => canSeePlaylist(p, ctx.viewerId));
  return respondWithPage(c, state, page.page, visible, (p) =>
    renderPlaylist(ctx, p, { showTracks: showTracks.value }),
  );
}
