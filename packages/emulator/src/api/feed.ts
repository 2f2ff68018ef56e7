import { Hono } from "hono";
import type { PlaylistRecord, TrackRecord } from "../catalog.js";
import { type AppEnv, json, originOf, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { renderContextOf } from "./lookup.js";
import { linkedPage, readPageRequest } from "./pagination.js";
import { DEFAULT_ACCESS, parseAccess } from "./query.js";
import { formatScDate, renderPlaylist, renderTrack } from "./representations.js";
import type { ScActivities, ScActivity } from "./schema.js";
import { canSeePlaylist, canSeeTrack } from "./visibility.js";

type Entry = { kind: "track"; item: TrackRecord } | { kind: "playlist"; item: PlaylistRecord };

/** Whose posts an activities list shows: the accounts you follow, yours, or both. */
type Sources = "followings" | "own" | "followings_and_own";

const ACTIVITY_LISTS: readonly { path: string; sources: Sources; tracksOnly: boolean }[] = [
  { path: "/me/feed", sources: "followings", tracksOnly: false },
  { path: "/me/feed/tracks", sources: "followings", tracksOnly: true },
  // Deprecated in the spec but still answered by SoundCloud (and still called by SDKs):
  // /me/activities shows your own posts beside your followings', as seen in the wild;
  // /all/own only yours; /tracks is the track feed.
  { path: "/me/activities", sources: "followings_and_own", tracksOnly: false },
  { path: "/me/activities/all/own", sources: "own", tracksOnly: false },
  { path: "/me/activities/tracks", sources: "followings", tracksOnly: true },
];

/**
 * `/me/feed`, `/me/feed/tracks` and the deprecated `/me/activities*`: tracks and
 * playlists posted by the accounts you follow (or by you), newest first, in the
 * spec's Activities shape. Always paginated (`next_href`), with a `future_href`
 * that starts over from the newest entry.
 */
export function feedRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);

  for (const { path, sources, tracksOnly } of ACTIVITY_LISTS) {
    app.get(path, userToken, (c) => {
      const page = readPageRequest(c, state);
      if (!page.ok) return page.response;
      const query = new URL(c.req.url).searchParams;
      const access = parseAccess(query, DEFAULT_ACCESS);
      if (!access.ok) return soundcloudError(400, access.message);
      const { catalog } = state;
      const me = c.var.me.id;
      const posters =
        sources === "own"
          ? [me]
          : sources === "followings"
            ? catalog.followingIdsOf(me)
            : [me, ...catalog.followingIdsOf(me)];
      const entries: Entry[] = [];
      for (const userId of posters) {
        for (const id of catalog.trackIdsOf(userId)) {
          const track = catalog.tracks.get(id);
          if (track && canSeeTrack(track, me) && access.value.has(track.access)) {
            entries.push({ kind: "track", item: track });
          }
        }
        if (tracksOnly) continue;
        for (const id of catalog.playlistIdsOf(userId)) {
          const playlist = catalog.playlists.get(id);
          if (playlist && canSeePlaylist(playlist, me)) {
            entries.push({ kind: "playlist", item: playlist });
          }
        }
      }
      entries.sort((a, b) => b.item.created_at - a.item.created_at || b.item.id - a.item.id);
      const ctx = renderContextOf(c, state);
      const slice = entries.slice(page.page.offset, page.page.offset + page.page.limit).map(
        (entry): ScActivity => ({
          type: entry.kind,
          created_at: formatScDate(entry.item.created_at),
          origin:
            entry.kind === "track"
              ? renderTrack(ctx, entry.item)
              : renderPlaylist(ctx, entry.item, { showTracks: false }),
        }),
      );
      const body = linkedPage(c, state, { ...page.page, linked: true }, entries.length, slice);
      const future = new URL(`${originOf(c, state.publicUrl)}${path}`);
      future.searchParams.set("limit", String(page.page.limit));
      const answer: ScActivities = { ...body, future_href: future.href };
      return json(answer);
    });
  }

  return app;
}
