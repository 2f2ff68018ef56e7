import type { Context } from "hono";
import type { PlaylistRecord, TrackRecord, UserRecord } from "../catalog.js";
import { originOf, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import type { TokenEnv } from "./auth.js";
import type { RenderContext } from "./representations.js";
import { parseIdParam, type UrnKind } from "./urn.js";
import { canSeePlaylist, canSeeTrack } from "./visibility.js";

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

type Finder<T> = (state: EmulatorState, raw: string) => T | Response;
/** Whether the caller may see the record (private tracks and playlists); a hidden one is a 404. */
type Visible<T> = (record: T, viewerId: number | null, secretToken: string | null) => boolean;

/**
 * Wraps a handler of a route under one resource (`/users/:user_urn/...`): the
 * path parameter is resolved first, and a bad, unknown or hidden one answers 400/404.
 */
function under<T>(find: Finder<T>, param: string, visible?: Visible<T>) {
  return <E extends TokenEnv>(
    state: EmulatorState,
    respond: (c: Context<E>, record: T) => Response | Promise<Response>,
  ) =>
    (c: Context<E>): Response | Promise<Response> => {
      const record = find(state, c.req.param(param) ?? "");
      if (record instanceof Response) return record;
      const secret = new URL(c.req.url).searchParams.get("secret_token");
      if (visible && !visible(record, c.var.viewer.user?.id ?? null, secret)) {
        return soundcloudError(404, `${param.replace(/_urn$/, "")} not found`);
      }
      return respond(c, record);
    };
}

export const forUser = under(findUser, "user_urn");
/** A user named by another path parameter (`follower_urn`, `following_urn`). */
export const forUserParam = (param: string) => under(findUser, param);
export const forTrack = under(findTrack, "track_urn", canSeeTrack);
export const forPlaylist = under(findPlaylist, "playlist_urn", canSeePlaylist);

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
