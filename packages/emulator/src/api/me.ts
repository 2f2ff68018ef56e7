import { Hono } from "hono";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { respondPlaylists, respondTracks, respondUsers } from "./lists.js";
import { recordsOf, renderContextOf } from "./lookup.js";
import { ALL_ACCESS, DEFAULT_ACCESS, parseAccess } from "./query.js";
import { renderMe, renderTrack } from "./representations.js";
import { canSeeTrack } from "./visibility.js";

/** The `/me` family: the signed-in user's own data. Needs a user's token. */
export function meRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);

  app.get("/me", userToken, (c) => json(renderMe(renderContextOf(c, state), c.var.me)));

  app.get("/me/tracks", userToken, (c) => {
    const { catalog } = state;
    const tracks = recordsOf(catalog.tracks, catalog.trackIdsOf(c.var.me.id));
    // Your own uploads are all yours to see: no access filter here.
    return respondTracks(c, state, tracks, { access: null, sortable: true });
  });

  app.get("/me/likes/tracks", userToken, (c) => {
    const { catalog } = state;
    const tracks = recordsOf(catalog.tracks, catalog.likedTrackIdsOf(c.var.me.id));
    return respondTracks(c, state, tracks, { access: ALL_ACCESS });
  });

  app.get("/me/likes/playlists", userToken, (c) => {
    const { catalog } = state;
    const ids = catalog.likedPlaylistIdsOf(c.var.me.id);
    return respondPlaylists(c, state, recordsOf(catalog.playlists, ids));
  });

  app.get("/me/playlists", userToken, (c) => {
    const { catalog } = state;
    const ids = catalog.playlistIdsOf(c.var.me.id);
    return respondPlaylists(c, state, recordsOf(catalog.playlists, ids));
  });

  app.get("/me/followings", userToken, (c) => {
    const { catalog } = state;
    return respondUsers(c, state, recordsOf(catalog.users, catalog.followingIdsOf(c.var.me.id)));
  });

  app.get("/me/followers", userToken, (c) => {
    const { catalog } = state;
    return respondUsers(c, state, recordsOf(catalog.users, catalog.followerIdsOf(c.var.me.id)));
  });

  app.get("/me/followings/tracks", userToken, (c) => {
    const { catalog } = state;
    const tracks = catalog
      .followingIdsOf(c.var.me.id)
      .flatMap((id) => recordsOf(catalog.tracks, catalog.trackIdsOf(id)))
      .sort((a, b) => b.created_at - a.created_at || b.id - a.id);
    // The spec answers TracksList here (deprecated): a plain array paged by `offset`.
    return respondTracks(c, state, tracks, { access: DEFAULT_ACCESS, style: "array" });
  });

  app.get("/me/recently-played/tracks", userToken, (c) => {
    const { catalog } = state;
    const ctx = renderContextOf(c, state);
    // Up to 25 full tracks, newest play first; no pagination, as the spec says.
    const tracks = recordsOf(catalog.tracks, catalog.recentlyPlayedIdsOf(c.var.me.id));
    const query = new URL(c.req.url).searchParams;
    const access = parseAccess(query, ALL_ACCESS);
    if (!access.ok) return soundcloudError(400, access.message);
    return json(
      tracks
        .filter((t) => canSeeTrack(t, ctx.viewerId) && access.value.has(t.access))
        .map((t) => renderTrack(ctx, t)),
    );
  });

  return app;
}
