import { Hono } from "hono";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { respondPlaylists, respondTracks } from "./lists.js";
import { forPlaylist, recordsOf, renderContextOf } from "./lookup.js";
import { DEFAULT_ACCESS, parseBoolean } from "./query.js";
import { renderPlaylist } from "./representations.js";

/** `/playlists`: search, single playlists (sets) and their tracks. Any token works. */
export function playlistRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken } = apiGuards(state);

  app.get("/playlists", anyToken, (c) => {
    const q = (new URL(c.req.url).searchParams.get("q") ?? "").trim().toLowerCase();
    const playlists = state.catalog
      .allPlaylistList()
      .filter((p) => q === "" || `${p.title} ${p.genre}`.toLowerCase().includes(q));
    return respondPlaylists(c, state, playlists);
  });

  app.get(
    "/playlists/:playlist_urn",
    anyToken,
    forPlaylist(state, (c, playlist) => {
      const showTracks = parseBoolean(new URL(c.req.url).searchParams, "show_tracks", true);
      if (!showTracks.ok) return soundcloudError(400, showTracks.message);
      const ctx = renderContextOf(c, state);
      return json(renderPlaylist(ctx, playlist, { showTracks: showTracks.value }));
    }),
  );

  app.get(
    "/playlists/:playlist_urn/tracks",
    anyToken,
    forPlaylist(state, (c, playlist) => {
      const tracks = recordsOf(state.catalog.tracks, playlist.track_ids);
      return respondTracks(c, state, tracks, { access: DEFAULT_ACCESS });
    }),
  );

  return app;
}
