import { Hono } from "hono";
import { type AppEnv, json } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { respondPlaylists, respondTracks, respondUsers } from "./lists.js";
import { forPlaylist, forTrack, forUser, recordsOf } from "./lookup.js";
import { ALL_ACCESS, DEFAULT_ACCESS } from "./query.js";

/**
 * Reposts: `POST`/`DELETE /reposts/{tracks|playlists}/{urn}` for the signed-in user
 * (idempotent; 201 Created and 200 OK as the spec answers), and every list that shows
 * them: `/me/reposts/…`, `/users/{urn}/reposts/…` (newest first) and `…/reposters`.
 */
export function repostRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken, userToken } = apiGuards(state);
  const created = () => json({ status: "201 - Created" }, 201);
  const ok = () => json({ status: "200 - OK" });

  app.post(
    "/reposts/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, (c, track) => {
      state.catalog.repostTrack(c.var.me.id, track.id);
      return created();
    }),
  );
  app.delete(
    "/reposts/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, (c, track) => {
      state.catalog.unrepostTrack(c.var.me.id, track.id);
      return ok();
    }),
  );
  app.post(
    "/reposts/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, (c, playlist) => {
      state.catalog.repostPlaylist(c.var.me.id, playlist.id);
      return created();
    }),
  );
  app.delete(
    "/reposts/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, (c, playlist) => {
      state.catalog.unrepostPlaylist(c.var.me.id, playlist.id);
      return ok();
    }),
  );

  app.get("/me/reposts/tracks", userToken, (c) => {
    const tracks = recordsOf(state.catalog.tracks, state.catalog.repostedTrackIdsOf(c.var.me.id));
    return respondTracks(c, state, tracks, { access: ALL_ACCESS });
  });
  app.get("/me/reposts/playlists", userToken, (c) => {
    const ids = state.catalog.repostedPlaylistIdsOf(c.var.me.id);
    return respondPlaylists(c, state, recordsOf(state.catalog.playlists, ids));
  });
  app.get(
    "/users/:user_urn/reposts/tracks",
    anyToken,
    forUser(state, (c, user) => {
      const tracks = recordsOf(state.catalog.tracks, state.catalog.repostedTrackIdsOf(user.id));
      return respondTracks(c, state, tracks, { access: DEFAULT_ACCESS });
    }),
  );
  app.get(
    "/users/:user_urn/reposts/playlists",
    anyToken,
    forUser(state, (c, user) => {
      const ids = state.catalog.repostedPlaylistIdsOf(user.id);
      return respondPlaylists(c, state, recordsOf(state.catalog.playlists, ids));
    }),
  );

  app.get(
    "/tracks/:track_urn/reposters",
    anyToken,
    forTrack(state, (c, track) => {
      return respondUsers(
        c,
        state,
        recordsOf(state.catalog.users, state.catalog.trackReposterIds(track.id)),
      );
    }),
  );
  app.get(
    "/playlists/:playlist_urn/reposters",
    anyToken,
    forPlaylist(state, (c, playlist) => {
      const ids = state.catalog.playlistReposterIds(playlist.id);
      return respondUsers(c, state, recordsOf(state.catalog.users, ids));
    }),
  );

  return app;
}
