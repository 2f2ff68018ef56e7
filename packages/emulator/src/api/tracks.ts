import { Hono } from "hono";
import type { TrackRecord } from "../catalog.js";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { respondTracks, respondUsers } from "./lists.js";
import { forTrack, recordsOf, renderContextOf } from "./lookup.js";
import { playsQuotaExceeded } from "./plays-quota.js";
import { DEFAULT_ACCESS, parseList } from "./query.js";
import { renderStreams, renderTrack } from "./representations.js";
import { parseIdParam } from "./urn.js";

/** `/tracks`: search, single tracks and what hangs off them. Any token works. */
export function trackRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken } = apiGuards(state);

  app.get("/tracks", anyToken, (c) => {
    const query = new URL(c.req.url).searchParams;
    const q = (query.get("q") ?? "").trim().toLowerCase();
    const urns = parseList(query, "urns") ?? parseList(query, "ids");
    const wanted = urns ? new Set(urns.map((u) => parseIdParam("tracks", u))) : null;
    const genres = parseList(query, "genres")?.map((g) => g.toLowerCase()) ?? null;
    const tags = parseList(query, "tags")?.map((t) => t.toLowerCase()) ?? null;
    const tracks = state.catalog
      .allTrackList()
      .filter((t) => wanted === null || wanted.has(t.id))
      .filter((t) => genres === null || genres.includes(t.genre.toLowerCase()))
      .filter((t) => tags === null || tags.some((tag) => t.tag_list.toLowerCase().includes(tag)))
      .filter((t) => q === "" || trackMatches(t, q));
    return respondTracks(c, state, tracks, { access: DEFAULT_ACCESS, showUserFavorite: true });
  });

  app.get(
    "/tracks/:track_urn",
    anyToken,
    forTrack(state, (c, track) => {
      return json(renderTrack(renderContextOf(c, state), track, { showUserFavorite: true }));
    }),
  );

  app.get(
    "/tracks/:track_urn/streams",
    anyToken,
    forTrack(state, (c, track) => {
      if (track.access === "blocked") return soundcloudError(404, "no streams for this track");
      const { plays_per_client: limit, plays_per_client_window_s: windowS } =
        state.settings.rate_limits;
      if (limit !== null) {
        const quota = state.playsQuota.take(
          c.var.viewer.client_id,
          limit,
          windowS * 1000,
          state.now(),
        );
        if (!quota.ok) {
          state.stats.plays_rate_limited += 1;
          return playsQuotaExceeded(limit, windowS, quota.resetAt);
        }
      }
      // Asking for stream URLs is what a player does before it plays.
      const viewer = c.var.viewer.user;
      if (viewer) state.catalog.recordPlay(viewer.id, track.id);
      return json(renderStreams(track));
    }),
  );

  app.get(
    "/tracks/:track_urn/preview",
    anyToken,
    forTrack(state, (_c, track) => {
      if (track.access === "blocked") return soundcloudError(404, "no preview for this track");
      const location = renderStreams(track).preview_mp3_128_url as string;
      return json({ status: "302 - Found", location }, 302, { location });
    }),
  );

  app.get(
    "/tracks/:track_urn/favoriters",
    anyToken,
    forTrack(state, (c, track) => {
      const ids = state.catalog.trackLikerIds(track.id);
      return respondUsers(c, state, recordsOf(state.catalog.users, ids));
    }),
  );

  app.get(
    "/tracks/:track_urn/related",
    anyToken,
    forTrack(state, (c, track) => {
      const related = state.catalog
        .allTrackList()
        .filter((t) => t.id !== track.id && t.genre === track.genre)
        .sort((a, b) => b.playback_count - a.playback_count);
      return respondTracks(c, state, related, { access: DEFAULT_ACCESS });
    }),
  );

  return app;
}

/** Search looks at title, genre and tags, case-insensitively. */
function trackMatches(track: TrackRecord, q: string): boolean {
  return [track.title, track.genre, track.tag_list].some((f) => f.toLowerCase().includes(q));
}
