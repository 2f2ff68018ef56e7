import type { PlaylistRecord, TrackRecord } from "../catalog.js";

/**
 * Private tracks and playlists (uploaded or created with `sharing=private`) are
 * seen by their owner, or by whoever presents their secret token; everyone else
 * gets a 404 for them and never finds them in a list.
 */
export function canSeeTrack(
  track: TrackRecord,
  viewerId: number | null,
  secretToken?: string | null,
): boolean {
  return canSee(track, viewerId, secretToken);
}

export function canSeePlaylist(
  playlist: PlaylistRecord,
  viewerId: number | null,
  secretToken?: string | null,
): boolean {
  return canSee(playlist, viewerId, secretToken);
}

function canSee(
  item: { sharing: string; user_id: number; secret_token: string | null },
  viewerId: number | null,
  secretToken: string | null | undefined,
): boolean {
  if (item.sharing === "public" || item.user_id === viewerId) return true;
  return item.secret_token !== null && secretToken === item.secret_token;
}
