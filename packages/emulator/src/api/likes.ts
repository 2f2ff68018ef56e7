import { Hono } from "hono";
import { type AppEnv, json } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { forPlaylist, forTrack } from "./lookup.js";

/**
 * `/likes/{tracks|playlists}/{urn}`: POST likes, DELETE unlikes, for the
 * signed-in user. Both are idempotent and answer SoundCloud's Success body; the
 * change shows up in `/me/likes/...` (newest first) and in like counts.
 */
export function likeRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);
  const ok = () => json({ status: "200 - OK" });

  app.post(
    "/likes/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, (c, track) => {
      state.catalog.likeTrack(c.var.me.id, track.id);
      return ok();
    }),
  );

  app.delete(
    "/likes/tracks/:track_urn",
    userToken,
    forTrack<UserEnv>(state, (c, track) => {
      state.catalog.unlikeTrack(c.var.me.id, track.id);
      return ok();
    }),
  );

  app.post(
    "/likes/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, (c, playlist) => {
      state.catalog.likePlaylist(c.var.me.id, playlist.id);
      return ok();
    }),
  );

  app.delete(
    "/likes/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, (c, playlist) => {
      state.catalog.unlikePlaylist(c.var.me.id, playlist.id);
      return ok();
    }),
  );

  return app;
}
