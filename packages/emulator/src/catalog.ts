/**
 * The emulator's world: users, tracks, playlists, comments and the relations
 * between them. Records hold facts; anything that can be counted (followers,
 * likes, comments) is derived from the relations so counts and lists never
 * disagree, even after likes are added or removed.
 */

export type TrackAccess = "playable" | "preview" | "blocked";
export type UserPlan = "Free" | "Pro Unlimited" | "Next Pro";
export type Sharing = "public" | "private";
export type EmbeddableBy = "all" | "me" | "none";

export interface UserRecord {
  id: number;
  username: string;
  permalink: string;
  first_name: string;
  last_name: string;
  city: string;
  country: string;
  description: string | null;
  avatar_url: string;
  website: string | null;
  website_title: string | null;
  discogs_name: string | null;
  plan: UserPlan;
  reposts_count: number;
  created_at: number;
  last_modified: number;
  /** Accounts offered on the consent page (the "people" who can sign in). */
  can_sign_in: boolean;
}

export interface TrackRecord {
  id: number;
  user_id: number;
  title: string;
  permalink: string;
  description: string | null;
  genre: string;
  tag_list: string;
  duration: number;
  bpm: number | null;
  key_signature: string | null;
  label_name: string | null;
  license: string;
  artwork_url: string | null;
  waveform_url: string;
  access: TrackAccess;
  /** Private tracks are seen only by their owner, or with their secret token. */
  sharing: Sharing;
  secret_token: string | null;
  embeddable_by: EmbeddableBy;
  purchase_url: string | null;
  release: string | null;
  isrc: string | null;
  /** The artist's name when it differs from the uploader's (a live band, a collaboration). */
  metadata_artist: string | null;
  streamable: boolean;
  reveal_stats: boolean;
  reveal_comments: boolean;
  storefront: StorefrontRecord | null;
  downloadable: boolean;
  commentable: boolean;
  playback_count: number;
  download_count: number;
  reposts_count: number;
  /** Likes from outside the seeded world; seeded users' likes are added on top. */
  outside_favoritings_count: number;
  created_at: number;
  last_modified: number;
  release_date: { year: number; month: number; day: number } | null;
}

export interface StorefrontRecord {
  title: string;
  type: string;
  link: string;
  link_title: string | null;
  description: string | null;
  price: string | null;
}

export interface PlaylistRecord {
  id: number;
  user_id: number;
  title: string;
  permalink: string;
  description: string | null;
  genre: string;
  tag_list: string;
  set_type: "playlist" | "album";
  sharing: Sharing;
  secret_token: string | null;
  label_name: string | null;
  license: string;
  ean: string | null;
  purchase_title: string | null;
  purchase_url: string | null;
  release: string | null;
  release_date: { year: number; month: number; day: number } | null;
  artwork_url: string | null;
  track_ids: number[];
  outside_likes_count: number;
  created_at: number;
  last_modified: number;
}

export interface CommentRecord {
  id: number;
  track_id: number;
  user_id: number;
  body: string;
  /** Position in the track, in ms. */
  timestamp: number;
  created_at: number;
}

export interface CatalogData {
  users: UserRecord[];
  tracks: TrackRecord[];
  playlists: PlaylistRecord[];
  comments: CommentRecord[];
  /** user id → liked track ids, most recent like first. */
  trackLikes: Map<number, number[]>;
  /** user id → liked playlist ids, most recent like first. */
  playlistLikes: Map<number, number[]>;
  /** user id → followed user ids, most recent first. */
  followings: Map<number, number[]>;
  /** user id → reposted track ids, most recent first. */
  trackReposts: Map<number, number[]>;
  /** user id → reposted playlist ids, most recent first. */
  playlistReposts: Map<number, number[]>;
}

/** Index lists of the catalog: key id → ids, in the order lists show them. */
const LIST_INDEXES = [
  "tracks_by_user",
  "playlists_by_user",
  "track_likes",
  "playlist_likes",
  "followings",
  "followers",
  "track_reposts",
  "playlist_reposts",
  "plays",
] as const;
/** Reverse indexes: item id → the users who liked or reposted it, in the order they did. */
const SET_INDEXES = [
  "track_likers",
  "playlist_likers",
  "track_reposters",
  "playlist_reposters",
] as const;
type ListIndex = (typeof LIST_INDEXES)[number];
type SetIndex = (typeof SET_INDEXES)[number];

/**
 * The whole catalog as plain JSON, for a state file: records in their stored order
 * and every index exactly as it is, so lists keep their order across a restart.
 */
export interface CatalogSnapshot {
  users: UserRecord[];
  tracks: TrackRecord[];
  playlists: PlaylistRecord[];
  /** track id → its comments, newest first. */
  comments: [number, CommentRecord[]][];
  lists: Record<ListIndex, [number, number[]][]>;
  sets: Record<SetIndex, [number, number[]][]>;
  next_ids: { track: number; playlist: number; comment: number };
}

export class Catalog {
  readonly users = new Map<number, UserRecord>();
  readonly tracks = new Map<number, TrackRecord>();
  readonly playlists = new Map<number, PlaylistRecord>();
  /** Accounts offered on the consent page, in seed order (the first is the default). */
  readonly signInUsers: readonly UserRecord[];

  private readonly allUsers: readonly UserRecord[];
  private readonly allTracks: TrackRecord[];
  private readonly allPlaylists: PlaylistRecord[];
  private readonly usersByPermalink = new Map<string, UserRecord>();
  private readonly tracksByUser = new Map<number, number[]>();
  private readonly playlistsByUser = new Map<number, number[]>();
  private readonly commentsByTrack = new Map<number, CommentRecord[]>();
  private readonly trackLikes: Map<number, number[]>;
  private readonly playlistLikes: Map<number, number[]>;
  private readonly followingsOf: Map<number, number[]>;
  private readonly followersOf = new Map<number, number[]>();
  // Reverse indexes so a like count is a lookup, not a scan of every user.
  private readonly trackLikers = new Map<number, Set<number>>();
  private readonly playlistLikers = new Map<number, Set<number>>();
  // Seeded reposts_count numbers stand for the outside world; these are the seeded users' own.
  private readonly trackReposts: Map<number, number[]>;
  private readonly playlistReposts: Map<number, number[]>;
  private readonly trackReposters = new Map<number, Set<number>>();
  private readonly playlistReposters = new Map<number, Set<number>>();
  /** user id → recently played track ids, most recent first (a streams request is a play). */
  private readonly plays = new Map<number, number[]>();
  private nextTrackId: number;
  private nextPlaylistId: number;
  private nextCommentId: number;

  constructor(data: CatalogData) {
    this.allUsers = data.users;
    this.allTracks = data.tracks;
    this.allPlaylists = data.playlists;
    this.signInUsers = data.users.filter((u) => u.can_sign_in);
    for (const user of data.users) {
      this.users.set(user.id, user);
      this.usersByPermalink.set(user.permalink.toLowerCase(), user);
    }
    // Newest first, like SoundCloud's profile pages.
    const byNewest = [...data.tracks].sort((a, b) => b.created_at - a.created_at || b.id - a.id);
    for (const track of byNewest) {
      this.tracks.set(track.id, track);
      pushTo(this.tracksByUser, track.user_id, track.id);
    }
    const playlistsByNewest = [...data.playlists].sort(
      (a, b) => b.created_at - a.created_at || b.id - a.id,
    );
    for (const playlist of playlistsByNewest) {
      this.playlists.set(playlist.id, playlist);
      pushTo(this.playlistsByUser, playlist.user_id, playlist.id);
    }
    for (const comment of [...data.comments].sort((a, b) => b.created_at - a.created_at)) {
      pushTo(this.commentsByTrack, comment.track_id, comment);
    }
    this.trackLikes = data.trackLikes;
    this.playlistLikes = data.playlistLikes;
    this.followingsOf = data.followings;
    for (const [userId, ids] of data.trackLikes) {
      for (const id of ids) addTo(this.trackLikers, id, userId);
    }
    for (const [userId, ids] of data.playlistLikes) {
      for (const id of ids) addTo(this.playlistLikers, id, userId);
    }
    this.trackReposts = data.trackReposts;
    this.playlistReposts = data.playlistReposts;
    for (const [userId, ids] of data.trackReposts) {
      for (const id of ids) addTo(this.trackReposters, id, userId);
    }
    for (const [userId, ids] of data.playlistReposts) {
      for (const id of ids) addTo(this.playlistReposters, id, userId);
    }
    for (const [userId, ids] of data.followings) {
      for (const id of ids) pushTo(this.followersOf, id, userId);
    }
    this.nextTrackId = nextId(data.tracks);
    this.nextPlaylistId = nextId(data.playlists);
    this.nextCommentId = nextId(data.comments);
  }

  snapshot(): CatalogSnapshot {
    const lists = this.listIndexes();
    const sets = this.setIndexes();
    return {
      users: [...this.allUsers],
      tracks: [...this.allTracks],
      playlists: [...this.allPlaylists],
      comments: [...this.commentsByTrack],
      lists: Object.fromEntries(LIST_INDEXES.map((name) => [name, [...lists[name]]])) as Record<
        ListIndex,
        [number, number[]][]
      >,
      sets: Object.fromEntries(
        SET_INDEXES.map((name) => [name, [...sets[name]].map(([id, set]) => [id, [...set]])]),
      ) as Record<SetIndex, [number, number[]][]>,
      next_ids: {
        track: this.nextTrackId,
        playlist: this.nextPlaylistId,
        comment: this.nextCommentId,
      },
    };
  }

  /** The catalog a snapshot describes, indexes and all. */
  static restore(snapshot: CatalogSnapshot): Catalog {
    const empty = () => new Map<number, number[]>();
    const catalog = new Catalog({
      users: snapshot.users,
      tracks: snapshot.tracks,
      playlists: snapshot.playlists,
      comments: [],
      trackLikes: empty(),
      playlistLikes: empty(),
      followings: empty(),
      trackReposts: empty(),
      playlistReposts: empty(),
    });
    const lists = catalog.listIndexes();
    for (const name of LIST_INDEXES) {
      lists[name].clear();
      for (const [id, ids] of snapshot.lists[name]) lists[name].set(id, [...ids]);
    }
    const sets = catalog.setIndexes();
    for (const name of SET_INDEXES) {
      sets[name].clear();
      for (const [id, ids] of snapshot.sets[name]) sets[name].set(id, new Set(ids));
    }
    for (const [trackId, comments] of snapshot.comments) {
      catalog.commentsByTrack.set(trackId, comments);
    }
    catalog.nextTrackId = snapshot.next_ids.track;
    catalog.nextPlaylistId = snapshot.next_ids.playlist;
    catalog.nextCommentId = snapshot.next_ids.comment;
    return catalog;
  }

  private listIndexes(): Record<ListIndex, Map<number, number[]>> {
    return {
      tracks_by_user: this.tracksByUser,
      playlists_by_user: this.playlistsByUser,
      track_likes: this.trackLikes,
      playlist_likes: this.playlistLikes,
      followings: this.followingsOf,
      followers: this.followersOf,
      track_reposts: this.trackReposts,
      playlist_reposts: this.playlistReposts,
      plays: this.plays,
    };
  }

  private setIndexes(): Record<SetIndex, Map<number, Set<number>>> {
    return {
      track_likers: this.trackLikers,
      playlist_likers: this.playlistLikers,
      track_reposters: this.trackReposters,
      playlist_reposters: this.playlistReposters,
    };
  }

  userByPermalink(permalink: string): UserRecord | undefined {
    return this.usersByPermalink.get(permalink.toLowerCase());
  }

  /** Sign-in accounts are addressed by username (consent page, auto-approve). */
  signInUser(username: string): UserRecord | undefined {
    return this.signInUsers.find((u) => u.username === username);
  }

  allUserList(): readonly UserRecord[] {
    return this.allUsers;
  }

  allTrackList(): readonly TrackRecord[] {
    return this.allTracks;
  }

  allPlaylistList(): readonly PlaylistRecord[] {
    return this.allPlaylists;
  }

  trackIdsOf(userId: number): readonly number[] {
    return this.tracksByUser.get(userId) ?? [];
  }

  playlistIdsOf(userId: number): readonly number[] {
    return this.playlistsByUser.get(userId) ?? [];
  }

  commentsOn(trackId: number): readonly CommentRecord[] {
    return this.commentsByTrack.get(trackId) ?? [];
  }

  likedTrackIdsOf(userId: number): readonly number[] {
    return this.trackLikes.get(userId) ?? [];
  }

  likedPlaylistIdsOf(userId: number): readonly number[] {
    return this.playlistLikes.get(userId) ?? [];
  }

  followingIdsOf(userId: number): readonly number[] {
    return this.followingsOf.get(userId) ?? [];
  }

  followerIdsOf(userId: number): readonly number[] {
    return this.followersOf.get(userId) ?? [];
  }

  trackLikerIds(trackId: number): readonly number[] {
    return [...(this.trackLikers.get(trackId) ?? [])];
  }

  hasLikedTrack(userId: number, trackId: number): boolean {
    return this.trackLikers.get(trackId)?.has(userId) ?? false;
  }

  favoritingsCount(track: TrackRecord): number {
    return track.outside_favoritings_count + (this.trackLikers.get(track.id)?.size ?? 0);
  }

  playlistLikesCount(playlist: PlaylistRecord): number {
    return playlist.outside_likes_count + (this.playlistLikers.get(playlist.id)?.size ?? 0);
  }

  /** Adds a like (most recent first). Returns false when it already existed. */
  likeTrack(userId: number, trackId: number): boolean {
    return like(this.trackLikes, this.trackLikers, userId, trackId);
  }

  /** Removes a like. Returns false when there was none. */
  unlikeTrack(userId: number, trackId: number): boolean {
    return unlike(this.trackLikes, this.trackLikers, userId, trackId);
  }

  likePlaylist(userId: number, playlistId: number): boolean {
    return like(this.playlistLikes, this.playlistLikers, userId, playlistId);
  }

  unlikePlaylist(userId: number, playlistId: number): boolean {
    return unlike(this.playlistLikes, this.playlistLikers, userId, playlistId);
  }

  // Reposts work like likes: a per-user list (newest first) and a reverse index.

  repostedTrackIdsOf(userId: number): readonly number[] {
    return this.trackReposts.get(userId) ?? [];
  }

  repostedPlaylistIdsOf(userId: number): readonly number[] {
    return this.playlistReposts.get(userId) ?? [];
  }

  trackReposterIds(trackId: number): readonly number[] {
    return [...(this.trackReposters.get(trackId) ?? [])];
  }

  playlistReposterIds(playlistId: number): readonly number[] {
    return [...(this.playlistReposters.get(playlistId) ?? [])];
  }

  trackRepostsCount(track: TrackRecord): number {
    return track.reposts_count + (this.trackReposters.get(track.id)?.size ?? 0);
  }

  userRepostsCount(user: UserRecord): number {
    return (
      user.reposts_count +
      this.repostedTrackIdsOf(user.id).length +
      this.repostedPlaylistIdsOf(user.id).length
    );
  }

  repostTrack(userId: number, trackId: number): boolean {
    return like(this.trackReposts, this.trackReposters, userId, trackId);
  }

  unrepostTrack(userId: number, trackId: number): boolean {
    return unlike(this.trackReposts, this.trackReposters, userId, trackId);
  }

  repostPlaylist(userId: number, playlistId: number): boolean {
    return like(this.playlistReposts, this.playlistReposters, userId, playlistId);
  }

  unrepostPlaylist(userId: number, playlistId: number): boolean {
    return unlike(this.playlistReposts, this.playlistReposters, userId, playlistId);
  }

  /** Follows `targetId` (most recent first). Returns false when already following. */
  follow(userId: number, targetId: number): boolean {
    const list = this.followingsOf.get(userId) ?? [];
    if (list.includes(targetId)) return false;
    list.unshift(targetId);
    this.followingsOf.set(userId, list);
    const followers = this.followersOf.get(targetId) ?? [];
    followers.unshift(userId);
    this.followersOf.set(targetId, followers);
    return true;
  }

  unfollow(userId: number, targetId: number): boolean {
    const removed = removeFrom(this.followingsOf.get(userId), targetId);
    removeFrom(this.followersOf.get(targetId), userId);
    return removed;
  }

  /** Remembers a play for /me/recently-played/tracks (25 at most, no duplicates). */
  recordPlay(userId: number, trackId: number): void {
    const list = this.plays.get(userId) ?? [];
    removeFrom(list, trackId);
    list.unshift(trackId);
    list.length = Math.min(list.length, RECENTLY_PLAYED_MAX);
    this.plays.set(userId, list);
  }

  recentlyPlayedIdsOf(userId: number): readonly number[] {
    return this.plays.get(userId) ?? [];
  }

  /** Adds an uploaded track as its owner's newest. */
  addTrack(fields: Omit<TrackRecord, "id" | "permalink">): TrackRecord {
    const track: TrackRecord = {
      ...fields,
      id: this.nextTrackId++,
      permalink: this.permalinkFor("tracks", fields.user_id, fields.title),
    };
    this.allTracks.push(track);
    this.tracks.set(track.id, track);
    unshiftTo(this.tracksByUser, track.user_id, track.id);
    return track;
  }

  /** Deletes a track and everything that points at it: likes, reposts, plays, playlists, comments. */
  deleteTrack(trackId: number): void {
    const track = this.tracks.get(trackId);
    if (!track) return;
    this.tracks.delete(trackId);
    removeFrom(this.allTracks, track);
    removeFrom(this.tracksByUser.get(track.user_id), trackId);
    forgetItem(this.trackLikes, this.trackLikers, trackId);
    forgetItem(this.trackReposts, this.trackReposters, trackId);
    for (const list of this.plays.values()) removeFrom(list, trackId);
    for (const playlist of this.allPlaylists) {
      playlist.track_ids = playlist.track_ids.filter((id) => id !== trackId);
    }
    this.commentsByTrack.delete(trackId);
  }

  addPlaylist(
    fields: Omit<PlaylistRecord, "id" | "permalink">,
    permalink?: string,
  ): PlaylistRecord {
    const playlist: PlaylistRecord = {
      ...fields,
      id: this.nextPlaylistId++,
      permalink: this.permalinkFor("playlists", fields.user_id, permalink ?? fields.title),
    };
    this.allPlaylists.push(playlist);
    this.playlists.set(playlist.id, playlist);
    unshiftTo(this.playlistsByUser, playlist.user_id, playlist.id);
    return playlist;
  }

  deletePlaylist(playlistId: number): void {
    const playlist = this.playlists.get(playlistId);
    if (!playlist) return;
    this.playlists.delete(playlistId);
    removeFrom(this.allPlaylists, playlist);
    removeFrom(this.playlistsByUser.get(playlist.user_id), playlistId);
    forgetItem(this.playlistLikes, this.playlistLikers, playlistId);
    forgetItem(this.playlistReposts, this.playlistReposters, playlistId);
  }

  /** A permalink for `title` that none of the user's other tracks or playlists uses. */
  permalinkFor(kind: "tracks" | "playlists", userId: number, title: string, except?: number) {
    const table: ReadonlyMap<number, { permalink: string }> =
      kind === "tracks" ? this.tracks : this.playlists;
    const ids = kind === "tracks" ? this.trackIdsOf(userId) : this.playlistIdsOf(userId);
    const taken = new Set(ids.filter((id) => id !== except).map((id) => table.get(id)?.permalink));
    return uniquePermalink(title, taken);
  }

  addComment(fields: Omit<CommentRecord, "id">): CommentRecord {
    const comment: CommentRecord = { ...fields, id: this.nextCommentId++ };
    unshiftTo(this.commentsByTrack, comment.track_id, comment);
    return comment;
  }
}

const RECENTLY_PLAYED_MAX = 25;

function nextId(records: readonly { id: number }[]): number {
  return records.reduce((max, r) => Math.max(max, r.id), 0) + 1;
}

/** A URL slug of `title`, made unique with -2, -3, … */
export function uniquePermalink(title: string, taken: ReadonlySet<string | undefined>): string {
  const base =
    title
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80) || "untitled";
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  return slug;
}

function removeFrom<T>(list: T[] | undefined, item: T): boolean {
  const index = list?.indexOf(item) ?? -1;
  if (list && index >= 0) {
    list.splice(index, 1);
    return true;
  }
  return false;
}

function unshiftTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.unshift(value);
  else map.set(key, [value]);
}

function like(
  lists: Map<number, number[]>,
  likers: Map<number, Set<number>>,
  userId: number,
  itemId: number,
): boolean {
  const set = likers.get(itemId);
  if (set?.has(userId)) return false;
  addTo(likers, itemId, userId);
  unshiftTo(lists, userId, itemId);
  return true;
}

function unlike(
  lists: Map<number, number[]>,
  likers: Map<number, Set<number>>,
  userId: number,
  itemId: number,
): boolean {
  const set = likers.get(itemId);
  if (!set?.has(userId)) return false;
  set.delete(userId);
  removeFrom(lists.get(userId), itemId);
  return true;
}

/** An item is going away: drop it from every user's list (likes or reposts) and its inverse index. */
function forgetItem(
  lists: Map<number, number[]>,
  likers: Map<number, Set<number>>,
  itemId: number,
): void {
  for (const userId of likers.get(itemId) ?? []) removeFrom(lists.get(userId), itemId);
  likers.delete(itemId);
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
