import type {
  Catalog,
  CommentRecord,
  PlaylistRecord,
  TrackRecord,
  UserRecord,
} from "../catalog.js";
import type {
  ScComment,
  ScMe,
  ScPlaylist,
  ScStreams,
  ScTrack,
  ScUser,
  ScWebProfile,
} from "./schema.js";
import { urnOf } from "./urn.js";
import { canSeeTrack } from "./visibility.js";

/** What rendering needs: where "the API" lives, the data, and who is asking. */
export interface RenderContext {
  /** Base of `uri` fields: the public URL or the request origin, standing in for api.soundcloud.com. */
  base: string;
  catalog: Catalog;
  /** The signed-in user, or null for client-credentials tokens. */
  viewerId: number | null;
}

const WEB = "https://soundcloud.com";
/** Free accounts get 3 hours of uploads. */
export const FREE_UPLOAD_SECONDS = 3 * 60 * 60;

/** Seeded images are stored as paths on the emulator's own origin (see images.ts). */
function absoluteImage<T extends string | null>(ctx: RenderContext, path: T): T {
  return (path === null ? null : `${ctx.base}${path}`) as T;
}

/** SoundCloud's timestamp format: `2024/01/02 03:04:05 +0000`. */
export function formatScDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export function renderUser(ctx: RenderContext, user: UserRecord): ScUser {
  const { catalog } = ctx;
  const urn = urnOf("users", user.id);
  return {
    avatar_url: absoluteImage(ctx, user.avatar_url),
    city: user.city,
    country: user.country,
    created_at: formatScDate(user.created_at),
    description: user.description,
    discogs_name: user.discogs_name,
    first_name: user.first_name,
    followers_count: catalog.followerIdsOf(user.id).length,
    followings_count: catalog.followingIdsOf(user.id).length,
    full_name: `${user.first_name} ${user.last_name}`,
    id: user.id,
    kind: "user",
    last_modified: formatScDate(user.last_modified),
    last_name: user.last_name,
    permalink: user.permalink,
    permalink_url: `${WEB}/${user.permalink}`,
    plan: user.plan,
    playlist_count: catalog.playlistIdsOf(user.id).length,
    public_favorites_count: catalog.likedTrackIdsOf(user.id).length,
    reposts_count: catalog.userRepostsCount(user),
    track_count: catalog.trackIdsOf(user.id).length,
    uri: `${ctx.base}/users/${urn}`,
    urn,
    username: user.username,
    website: user.website,
    website_title: user.website_title,
    subscriptions:
      user.plan === "Free"
        ? []
        : [{ product: { id: slugOf(user.plan), name: user.plan }, recurring: true }],
  };
}

export function renderMe(ctx: RenderContext, user: UserRecord): ScMe {
  const { catalog } = ctx;
  const unlimited = user.plan !== "Free";
  const used = catalog
    .trackIdsOf(user.id)
    .reduce((sum, id) => sum + Math.round((catalog.tracks.get(id)?.duration ?? 0) / 1000), 0);
  const left = unlimited ? null : Math.max(0, FREE_UPLOAD_SECONDS - used);
  return {
    ...renderUser(ctx, user),
    comments_count: 0,
    likes_count: catalog.likedTrackIdsOf(user.id).length,
    locale: "",
    online: false,
    primary_email_confirmed: true,
    private_playlists_count: 0,
    private_tracks_count: 0,
    quota: {
      unlimited_upload_quota: unlimited,
      upload_seconds_used: used,
      upload_seconds_left: left,
    },
    upload_seconds_left: left,
  };
}

export function renderTrack(
  ctx: RenderContext,
  track: TrackRecord,
  options: { showUserFavorite?: boolean } = {},
): ScTrack {
  const { catalog } = ctx;
  const owner = catalog.users.get(track.user_id) as UserRecord;
  const urn = urnOf("tracks", track.id);
  const uri = `${ctx.base}/tracks/${urn}`;
  // The spec sets user_favorite only on single tracks and search results.
  const favorite =
    options.showUserFavorite === true && ctx.viewerId !== null
      ? catalog.hasLikedTrack(ctx.viewerId, track.id)
      : false;
  const isOwner = ctx.viewerId === track.user_id;
  return {
    access: track.access,
    artwork_url: absoluteImage(ctx, track.artwork_url),
    available_country_codes: null,
    bpm: track.bpm,
    comment_count: catalog.commentsOn(track.id).length,
    commentable: track.commentable,
    created_at: formatScDate(track.created_at),
    description: track.description,
    download_count: track.download_count,
    download_url: track.downloadable ? `${uri}/download` : null,
    downloadable: track.downloadable,
    duration: track.duration,
    embeddable_by: track.embeddable_by,
    favoritings_count: catalog.favoritingsCount(track),
    genre: track.genre,
    id: track.id,
    isrc: track.isrc,
    key_signature: track.key_signature,
    kind: "track",
    label_name: track.label_name,
    license: track.license,
    metadata_artist: track.metadata_artist,
    permalink: track.permalink,
    permalink_url: `${WEB}/${owner.permalink}/${track.permalink}`,
    playback_count: track.playback_count,
    purchase_title: null,
    purchase_url: track.purchase_url,
    release: track.release,
    release_day: track.release_date?.day ?? null,
    release_month: track.release_date?.month ?? null,
    release_year: track.release_date?.year ?? null,
    reposts_count: catalog.trackRepostsCount(track),
    reveal_comments: track.reveal_comments,
    reveal_stats: track.reveal_stats,
    // Only the owner learns the secret link of a private track.
    secret_uri:
      isOwner && track.secret_token !== null ? `${uri}?secret_token=${track.secret_token}` : null,
    sharing: track.sharing,
    stream_url: `${uri}/stream`,
    streamable: track.streamable && track.access !== "blocked",
    tag_list: track.tag_list,
    title: track.title,
    uri,
    urn,
    user: renderUser(ctx, owner),
    user_favorite: favorite,
    user_playback_count: 0,
    waveform_url: track.waveform_url,
  };
}

export function renderPlaylist(
  ctx: RenderContext,
  playlist: PlaylistRecord,
  options: { showTracks: boolean },
): ScPlaylist {
  const { catalog } = ctx;
  const owner = catalog.users.get(playlist.user_id) as UserRecord;
  const urn = urnOf("playlists", playlist.id);
  const uri = `${ctx.base}/playlists/${urn}`;
  const tracks = playlist.track_ids
    .map((id) => catalog.tracks.get(id))
    .filter((t): t is TrackRecord => t !== undefined && canSeeTrack(t, ctx.viewerId));
  const rendered: ScPlaylist = {
    artwork_url: absoluteImage(ctx, playlist.artwork_url),
    created_at: formatScDate(playlist.created_at),
    description: playlist.description,
    downloadable: false,
    duration: tracks.reduce((sum, t) => sum + t.duration, 0),
    ean: playlist.ean,
    embeddable_by: "all",
    genre: playlist.genre,
    id: playlist.id,
    kind: "playlist",
    label: null,
    label_id: null,
    label_name: playlist.label_name,
    last_modified: formatScDate(playlist.last_modified),
    license: playlist.license,
    likes_count: catalog.playlistLikesCount(playlist),
    permalink: playlist.permalink,
    permalink_url: `${WEB}/${owner.permalink}/sets/${playlist.permalink}`,
    playlist_type: playlist.set_type,
    purchase_title: playlist.purchase_title,
    purchase_url: playlist.purchase_url,
    release: playlist.release,
    release_day: playlist.release_date?.day ?? null,
    release_month: playlist.release_date?.month ?? null,
    release_year: playlist.release_date?.year ?? null,
    sharing: playlist.sharing,
    streamable: true,
    tag_list: playlist.tag_list,
    tags: playlist.tag_list,
    title: playlist.title,
    track_count: tracks.length,
    tracks_uri: `${uri}/tracks`,
    type: playlist.set_type,
    uri,
    urn,
    user: renderUser(ctx, owner),
    user_urn: urnOf("users", owner.id),
  };
  if (options.showTracks) rendered.tracks = tracks.map((t) => renderTrack(ctx, t));
  return rendered;
}

export function renderComment(ctx: RenderContext, comment: CommentRecord): ScComment {
  const { catalog } = ctx;
  const author = catalog.users.get(comment.user_id) as UserRecord;
  const userUrn = urnOf("users", author.id);
  const urn = urnOf("comments", comment.id);
  return {
    body: comment.body,
    created_at: formatScDate(comment.created_at),
    id: comment.id,
    kind: "comment",
    timestamp: comment.timestamp,
    track_urn: urnOf("tracks", comment.track_id),
    uri: `${ctx.base}/comments/${urn}`,
    urn,
    user: {
      avatar_url: absoluteImage(ctx, author.avatar_url),
      followers_count: catalog.followerIdsOf(author.id).length,
      followings_count: catalog.followingIdsOf(author.id).length,
      id: author.id,
      kind: "user",
      last_modified: formatScDate(author.last_modified),
      permalink: author.permalink,
      permalink_url: `${WEB}/${author.permalink}`,
      reposts_count: catalog.userRepostsCount(author),
      uri: `${ctx.base}/users/${userUrn}`,
      urn: userUrn,
      username: author.username,
    },
    user_urn: userUrn,
  };
}

/** Stream URLs on a fake CDN: nothing plays them, but their shape is real. */
export function renderStreams(track: TrackRecord): ScStreams {
  const media = `https://cf-media.sndcdn.com/emulated/${track.id}`;
  const preview = { preview_mp3_128_url: `${media}/preview.128.mp3` };
  if (track.access === "preview") return preview;
  return {
    hls_aac_160_url: `${media}/aac_160/playlist.m3u8`,
    hls_mp3_128_url: `${media}/mp3_128/playlist.m3u8`,
    http_mp3_128_url: `${media}/stream.128.mp3`,
    ...preview,
  };
}

export function renderWebProfiles(user: UserRecord): ScWebProfile[] {
  if (!user.website) return [];
  return [
    {
      created_at: formatScDate(user.created_at),
      id: user.id,
      kind: "web-profile",
      service: "personal",
      title: user.website_title ?? "Website",
      url: user.website,
      urn: `soundcloud:web-profiles:${user.id}`,
      username: null,
    },
  ];
}

function slugOf(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
