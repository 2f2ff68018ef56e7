import { Hono } from "hono";
import type { Catalog, UserRecord } from "../catalog.js";
import { type AppEnv, json } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { respondPlaylists, respondTracks, respondUsers } from "./lists.js";
import { forUser, recordsOf, renderContextOf } from "./lookup.js";
import { DEFAULT_ACCESS, parseList } from "./query.js";
import { renderUser, renderWebProfiles } from "./representations.js";
import { parseIdParam } from "./urn.js";

/** `/users`: search and public profiles. Any token (user or client credentials) works. */
export function userRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken } = apiGuards(state);

  app.get("/users", anyToken, (c) => {
    const query = new URL(c.req.url).searchParams;
    const q = (query.get("q") ?? "").trim().toLowerCase();
    const urns = parseList(query, "urns") ?? parseList(query, "ids");
    const wanted = urns ? new Set(urns.map((u) => parseIdParam("users", u))) : null;
    const users = state.catalog
      .allUserList()
      .filter((u) => wanted === null || wanted.has(u.id))
      .filter((u) => q === "" || userMatches(u, q));
    return respondUsers(c, state, users);
  });

  app.get(
    "/users/:user_urn",
    anyToken,
    forUser(state, (c, user) => {
      return json(renderUser(renderContextOf(c, state), user));
    }),
  );

  app.get(
    "/users/:user_urn/tracks",
    anyToken,
    forUser(state, (c, user) => {
      const tracks = recordsOf(state.catalog.tracks, state.catalog.trackIdsOf(user.id));
      return respondTracks(c, state, tracks, { access: DEFAULT_ACCESS, sortable: true });
    }),
  );

  app.get(
    "/users/:user_urn/playlists",
    anyToken,
    forUser(state, (c, user) => {
      const ids = state.catalog.playlistIdsOf(user.id);
      return respondPlaylists(c, state, recordsOf(state.catalog.playlists, ids));
    }),
  );

  app.get(
    "/users/:user_urn/followers",
    anyToken,
    forUser(state, (c, user) => {
      const ids = state.catalog.followerIdsOf(user.id);
      return respondUsers(c, state, recordsOf(state.catalog.users, ids));
    }),
  );

  app.get(
    "/users/:user_urn/followings",
    anyToken,
    forUser(state, (c, user) => {
      const ids = state.catalog.followingIdsOf(user.id);
      return respondUsers(c, state, recordsOf(state.catalog.users, ids));
    }),
  );

  // `/favorites` is deprecated in the spec (use /likes/tracks) but still answered: the same list.
  for (const path of ["/users/:user_urn/likes/tracks", "/users/:user_urn/favorites"]) {
    app.get(
      path,
      anyToken,
      forUser(state, (c, user) => {
        const ids = state.catalog.likedTrackIdsOf(user.id);
        return respondTracks(c, state, recordsOf(state.catalog.tracks, ids), {
          access: DEFAULT_ACCESS,
        });
      }),
    );
  }

  app.get(
    "/users/:user_urn/likes/playlists",
    anyToken,
    forUser(state, (c, user) => {
      const ids = state.catalog.likedPlaylistIdsOf(user.id);
      return respondPlaylists(c, state, recordsOf(state.catalog.playlists, ids));
    }),
  );

  app.get(
    "/users/:user_urn/related",
    anyToken,
    forUser(state, (c, user) => {
      return respondUsers(c, state, relatedUsers(state.catalog, user));
    }),
  );

  app.get(
    "/users/:user_urn/web-profiles",
    anyToken,
    forUser(state, (_c, user) => json(renderWebProfiles(user))),
  );

  return app;
}

/**
 * Related artists: whoever uploads in the genres this user uploads in, most followed
 * first; for someone who uploads nothing, the people they follow.
 */
function relatedUsers(catalog: Catalog, user: UserRecord): UserRecord[] {
  const genresOf = (id: number) =>
    new Set(catalog.trackIdsOf(id).map((t) => catalog.tracks.get(t)?.genre));
  const mine = genresOf(user.id);
  if (mine.size === 0) return recordsOf(catalog.users, catalog.followingIdsOf(user.id));
  return catalog
    .allUserList()
    .filter((other) => other.id !== user.id && [...genresOf(other.id)].some((g) => mine.has(g)))
    .sort(
      (a, b) =>
        catalog.followerIdsOf(b.id).length - catalog.followerIdsOf(a.id).length || a.id - b.id,
    );
}

function userMatches(user: UserRecord, q: string): boolean {
  return [user.username, user.permalink, `${user.first_name} ${user.last_name}`, user.city].some(
    (field) => field.toLowerCase().includes(q),
  );
}
