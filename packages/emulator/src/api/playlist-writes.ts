import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { PlaylistRecord } from "../catalog.js";
import { type AppEnv, json, mediaType, soundcloudError } from "../http.js";
import { imagePath } from "../images.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { FieldReader, readResourceFields } from "./fields.js";
import { forPlaylist, renderContextOf } from "./lookup.js";
import { renderPlaylist } from "./representations.js";
import { SHARING } from "./track-fields.js";
import { canSeeTrack } from "./visibility.js";

type PlaylistChanges = Partial<
  Pick<
    PlaylistRecord,
    | "title"
    | "description"
    | "sharing"
    | "track_ids"
    | "ean"
    | "genre"
    | "label_name"
    | "license"
    | "purchase_title"
    | "purchase_url"
    | "release"
    | "release_date"
    | "set_type"
    | "tag_list"
  >
> & { permalink?: string; artwork?: File };

/**
 * Creating (`POST /playlists`, JSON `{"playlist": …}` or multipart `playlist[…]` with
 * an optional `playlist[artwork_data]`), updating (`PUT`, JSON; `tracks` replaces the
 * list) and deleting one's own playlists. Unknown tracks are a 404, someone else's
 * playlist a 403, bad fields a 422.
 */
export function playlistWriteRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);
  const notYours = () => soundcloudError(403, "only the owner can change this playlist");

  app.post("/playlists", userToken, async (c) => {
    const body = await readResourceFields(c, "playlist");
    if (!body.ok) return body.response;
    const changes = readPlaylistChanges(state, body.fields, c.var.me.id, { create: true });
    if (changes instanceof Response) return changes;
    const now = Math.floor(state.now() / 1000) * 1000;
    const playlist = state.catalog.addPlaylist(
      {
        user_id: c.var.me.id,
        title: changes.title ?? "",
        description: null,
        genre: "",
        tag_list: "",
        set_type: "playlist",
        sharing: "public",
        secret_token: null,
        label_name: null,
        license: "all-rights-reserved",
        ean: null,
        purchase_title: null,
        purchase_url: null,
        release: null,
        release_date: null,
        artwork_url: null,
        track_ids: [],
        outside_likes_count: 0,
        created_at: now,
        last_modified: now,
      },
      changes.permalink,
    );
    applyPlaylistChanges(state, playlist, { ...changes, permalink: undefined }, now);
    return json(renderPlaylist(renderContextOf(c, state), playlist, { showTracks: true }), 201);
  });

  app.put(
    "/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, async (c, playlist) => {
      if (playlist.user_id !== c.var.me.id) return notYours();
      if (mediaType(c.req.header("content-type")) !== "application/json") {
        return soundcloudError(400, 'send {"playlist": {…}} as JSON');
      }
      const body = await readResourceFields(c, "playlist");
      if (!body.ok) return body.response;
      const changes = readPlaylistChanges(state, body.fields, c.var.me.id, { create: false });
      if (changes instanceof Response) return changes;
      applyPlaylistChanges(state, playlist, changes, state.now());
      return json(renderPlaylist(renderContextOf(c, state), playlist, { showTracks: true }));
    }),
  );

  app.delete(
    "/playlists/:playlist_urn",
    userToken,
    forPlaylist<UserEnv>(state, (c, playlist) => {
      if (playlist.user_id !== c.var.me.id) return notYours();
      state.catalog.deletePlaylist(playlist.id);
      return json({ status: "200 - OK" });
    }),
  );

  return app;
}

function readPlaylistChanges(
  state: EmulatorState,
  fields: Map<string, unknown>,
  viewerId: number,
  options: { create: boolean },
): PlaylistChanges | Response {
  const read = new FieldReader(fields, "playlist");
  const changes: PlaylistChanges = {};
  const set = <K extends keyof PlaylistChanges>(key: K, value: PlaylistChanges[K] | undefined) => {
    if (value !== undefined) changes[key] = value;
  };
  set("title", read.text("title", { max: 255, required: options.create }));
  set("description", read.nullableText("description", 4096));
  set("sharing", read.oneOf("sharing", SHARING));
  set("track_ids", read.urnList("tracks", "tracks"));
  set("ean", read.nullableText("ean", 13));
  set("genre", read.nullableText("genre", 100) ?? undefined);
  set("label_name", read.nullableText("label_name", 255));
  set("license", read.text("license", { max: 40 }));
  set("permalink", read.text("permalink", { max: 255 }));
  read.text("permalink_url", { max: 2048 }); // derived from user and permalink; accepted, not stored
  set("purchase_title", read.nullableText("purchase_title", 255));
  set("purchase_url", read.nullableText("purchase_url", 2048));
  set("release", read.nullableText("release", 255));
  set("release_date", read.date("release_date"));
  set("set_type", read.oneOf("set_type", ["album", "playlist"] as const));
  set("tag_list", read.nullableText("tag_list", 1000) ?? undefined);
  if (options.create) set("artwork", read.file("artwork_data"));
  read.rejectUnknown();
  const invalid = read.response();
  if (invalid) return invalid;
  for (const id of changes.track_ids ?? []) {
    const track = state.catalog.tracks.get(id);
    if (!track || !canSeeTrack(track, viewerId)) {
      return soundcloudError(404, `track soundcloud:tracks:${id} not found`);
    }
  }
  return changes;
}

function applyPlaylistChanges(
  state: EmulatorState,
  playlist: PlaylistRecord,
  changes: PlaylistChanges,
  now: number,
): void {
  const { artwork, permalink, ...plain } = changes;
  for (const [key, value] of Object.entries(plain)) {
    if (value !== undefined) (playlist as unknown as Record<string, unknown>)[key] = value;
  }
  if (permalink !== undefined) {
    playlist.permalink = state.catalog.permalinkFor(
      "playlists",
      playlist.user_id,
      permalink,
      playlist.id,
    );
  }
  if (artwork) playlist.artwork_url = imagePath("artworks", randomBytes(8).toString("hex"));
  if (playlist.sharing === "private")
    playlist.secret_token ??= `s-${randomBytes(6).toString("hex")}`;
  else playlist.secret_token = null;
  playlist.last_modified = Math.floor(now / 1000) * 1000;
}
