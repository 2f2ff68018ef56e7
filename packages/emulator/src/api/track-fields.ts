import { randomBytes } from "node:crypto";
import type { Catalog, EmbeddableBy, Sharing, TrackRecord } from "../catalog.js";
import { imagePath } from "../images.js";
import type { FieldReader } from "./fields.js";

/**
 * The writable fields of a track (the spec's TrackDataRequest for uploads and
 * TrackMetadataRequest / TrackUpdateFormRequest for updates), validated once for both.
 */
export interface TrackChanges {
  title?: string;
  permalink?: string;
  sharing?: Sharing;
  embeddable_by?: EmbeddableBy;
  purchase_url?: string | null;
  description?: string | null;
  genre?: string | null;
  tag_list?: string | null;
  label_name?: string | null;
  release?: string | null;
  release_date?: { year: number; month: number; day: number } | null;
  streamable?: boolean;
  downloadable?: boolean;
  license?: string;
  commentable?: boolean;
  reveal_stats?: boolean;
  reveal_comments?: boolean;
  isrc?: string | null;
  artwork?: File;
}

export const LICENSES = [
  "no-rights-reserved",
  "all-rights-reserved",
  "cc-by",
  "cc-by-nc",
  "cc-by-nd",
  "cc-by-sa",
  "cc-by-nc-nd",
  "cc-by-nc-sa",
] as const;
export const SHARING: readonly Sharing[] = ["public", "private"];
const EMBEDDABLE_BY: readonly EmbeddableBy[] = ["all", "me", "none"];
const ARTWORK_TYPES = ["image/jpeg", "image/png", "image/gif"];

export function readTrackChanges(read: FieldReader, options: { requireTitle: boolean }) {
  const changes: TrackChanges = {};
  const set = <K extends keyof TrackChanges>(key: K, value: TrackChanges[K] | undefined) => {
    if (value !== undefined) changes[key] = value;
  };
  set("title", read.text("title", { max: 255, required: options.requireTitle }));
  set("permalink", read.text("permalink", { max: 255 }));
  set("sharing", read.oneOf("sharing", SHARING));
  set("embeddable_by", read.oneOf("embeddable_by", EMBEDDABLE_BY));
  set("purchase_url", read.nullableText("purchase_url", 2048));
  set("description", read.nullableText("description", 4096));
  set("genre", read.nullableText("genre", 100));
  set("tag_list", read.nullableText("tag_list", 1000));
  set("label_name", read.nullableText("label_name", 255));
  set("release", read.nullableText("release", 255));
  set("release_date", read.date("release_date"));
  set("streamable", read.boolean("streamable"));
  set("downloadable", read.boolean("downloadable"));
  set("license", read.oneOf("license", LICENSES));
  set("commentable", read.boolean("commentable"));
  set("reveal_stats", read.boolean("reveal_stats"));
  set("reveal_comments", read.boolean("reveal_comments"));
  set("isrc", read.nullableText("isrc", 12));
  const artwork = read.file("artwork_data");
  if (artwork && !ARTWORK_TYPES.includes(artwork.type)) {
    read.problem ??= "track[artwork_data] must be a JPEG, PNG or GIF image";
  }
  set("artwork", artwork);
  return changes;
}

/** Applies validated changes to a stored track (owner checks are the route's job). */
export function applyTrackChanges(
  catalog: Catalog,
  track: TrackRecord,
  changes: TrackChanges,
  now: number,
): void {
  const { artwork, permalink, release_date, ...plain } = changes;
  for (const [key, value] of Object.entries(plain)) {
    if (value === undefined) continue;
    // genre and tag_list are never null on a track: clearing them means empty.
    const stored = value === null && (key === "genre" || key === "tag_list") ? "" : value;
    (track as unknown as Record<string, unknown>)[key] = stored;
  }
  if (release_date !== undefined) track.release_date = release_date;
  if (permalink !== undefined) {
    track.permalink = catalog.permalinkFor("tracks", track.user_id, permalink, track.id);
  }
  if (artwork) track.artwork_url = imagePath("artworks", randomBytes(8).toString("hex"));
  // A private track gets a secret link; making it public again retires it.
  if (track.sharing === "private") track.secret_token ??= `s-${randomBytes(6).toString("hex")}`;
  else track.secret_token = null;
  track.last_modified = Math.floor(now / 1000) * 1000;
}
