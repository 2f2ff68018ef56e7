import type { Context } from "hono";
import type { PlaylistRecord, TrackRecord, UserRecord } from "../catalog.js";
import { originOf, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import type { TokenEnv } from "./auth.js";
import type { RenderContext } from "./representations.js";
import { parseIdParam, type UrnKind } from "./urn.js";

/**
 * Resolves a path parameter to a record: 400 when it is not a URN or id of the
 * right kind, 404 when nothing has that id.
 */
function find<T>(kind: UrnKind, table: ReadonlyMap<number, T>, raw: string): T | Response {
  const id = parseIdParam(kind, raw);
  const noun = kind.slice(0, -1);
  if (id === null) {
    return soundcloudError(
      400,
      `${noun} must be a URN like soundcloud:${kind}:123 or a numeric id`,
    );
  }
  return table.get(id) ?? soundcloudError(404, `${noun} not found`);
}

export function findTrack(state: EmulatorState, raw: string): TrackRecord | Response {
  return find("tracks", state.catalog.tracks, raw);
}

export function findUser(state: EmulatorState, raw: string): UserRecord | Response {
  return find("users", state.catalog.users, raw);
}

export function findPlaylist(state: EmulatorState, raw: string): PlaylistRecord | Response {
  return find("playlists", state.catalog.playlists, raw);
}

export function renderContextOf<E extends TokenEnv>(
  c: Context<E>,
  state: EmulatorState,
): RenderContext {
  return {
    base: originOf(c, state.publicUrl),
    catalog: state.catalog,
    viewerId: c.var.viewer.user?.id ?? null,
  };
}

/** Lists of ids → records, skipping ids that no longer resolve. */
export function recordsOf<T>(table: ReadonlyMap<number, T>, ids: readonly number[]): T[] {
  const out: T[] = [];
  for (const id of ids) {
    const record = table.get(id);
    if (record !== undefined) out.push(record);
  }
  return out;
}
