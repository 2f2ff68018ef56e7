import { createHash, randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { TrackRecord } from "../catalog.js";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards } from "./auth.js";
import { FieldReader, readResourceFields } from "./fields.js";
import { renderContextOf } from "./lookup.js";
import { FREE_UPLOAD_SECONDS, renderTrack } from "./representations.js";
import { applyTrackChanges, readTrackChanges } from "./track-fields.js";
import { urnOf } from "./urn.js";

const AUDIO_EXTENSIONS = new Set([
  "aac",
  "aif",
  "aiff",
  "amr",
  "flac",
  "m4a",
  "mp2",
  "mp3",
  "mp4",
  "oga",
  "ogg",
  "opus",
  "wav",
  "wma",
]);

/**
 * `POST /tracks`: a multipart upload with `track[title]` and `track[asset_data]`
 * (a file) and the optional TrackDataRequest fields. Unknown fields, bad enum values
 * and files that are not audio are 422s; the new track belongs to the caller, is their
 * newest, and its duration is estimated from the file size (128 kbps).
 */
export function uploadRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);

  app.post("/tracks", userToken, async (c) => {
    const body = await readResourceFields(c, "track");
    if (!body.ok) return body.response;
    const read = new FieldReader(body.fields, "track");
    const asset = read.file("asset_data", { required: true });
    const changes = readTrackChanges(read, { requireTitle: true });
    read.rejectUnknown();
    const invalid = read.response();
    if (invalid || !asset || changes.title === undefined) {
      return invalid ?? soundcloudError(422, "track[title] and track[asset_data] are required");
    }
    if (!isAudio(asset)) {
      return soundcloudError(422, "track[asset_data] must be an audio file (mp3, wav, flac, …)");
    }
    if (asset.size === 0) return soundcloudError(422, "track[asset_data] is empty");

    const me = c.var.me;
    const duration = Math.max(1000, Math.round(asset.size / 16)); // 128 kbps = 16 bytes per ms
    if (me.plan === "Free") {
      const used = state.catalog
        .trackIdsOf(me.id)
        .reduce((sum, id) => sum + (state.catalog.tracks.get(id)?.duration ?? 0), 0);
      if ((used + duration) / 1000 > FREE_UPLOAD_SECONDS) {
        return soundcloudError(422, "this upload exceeds the account's upload quota");
      }
    }

    const now = Math.floor(state.now() / 1000) * 1000;
    const track = state.catalog.addTrack(newTrack(me.id, changes.title, duration, now));
    applyTrackChanges(state.catalog, track, changes, now);
    const bytes = new Uint8Array(await asset.arrayBuffer());
    state.uploads.push({
      track_urn: urnOf("tracks", track.id),
      filename: asset.name,
      content_type: asset.type,
      bytes: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    return json(renderTrack(renderContextOf(c, state), track, { showUserFavorite: true }), 201);
  });

  return app;
}

function isAudio(file: File): boolean {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase();
  if (extension !== undefined && AUDIO_EXTENSIONS.has(extension)) return true;
  return file.type.startsWith("audio/");
}

/** A fresh upload with the spec's defaults; the request's fields are applied on top. */
function newTrack(
  userId: number,
  title: string,
  duration: number,
  now: number,
): Omit<TrackRecord, "id" | "permalink"> {
  return {
    user_id: userId,
    title,
    description: null,
    genre: "",
    tag_list: "",
    duration,
    bpm: null,
    key_signature: null,
    label_name: null,
    license: "all-rights-reserved",
    artwork_url: null,
    waveform_url: `https://wave.sndcdn.com/${randomBytes(6).toString("hex")}_m.png`,
    access: "playable",
    sharing: "public",
    secret_token: null,
    embeddable_by: "all",
    purchase_url: null,
    release: null,
    isrc: null,
    metadata_artist: null,
    streamable: true,
    reveal_stats: true,
    reveal_comments: true,
    storefront: null,
    downloadable: true,
    commentable: true,
    playback_count: 0,
    download_count: 0,
    reposts_count: 0,
    outside_favoritings_count: 0,
    created_at: now,
    last_modified: now,
    release_date: null,
  };
}
