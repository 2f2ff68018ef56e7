import { SoundgateError } from "../errors.js";
import type { PlaylistUrn, TrackUrn, Urn, UserUrn } from "./types.js";

// An id is what SoundCloud uses (digits) or at most word characters: nothing that could
// change a path (`/`, `..`, `?`, `#`, `%`) ever reaches a URL built from a URN.
const URN = /^soundcloud:([a-z][a-z-]*):([A-Za-z0-9_-]{1,64})$/;

/** Whether `value` is a URN, of `kind` when given (`isUrn(x, "tracks")`). */
export function isUrn<K extends string>(value: unknown, kind?: K): value is Urn<K> {
  if (typeof value !== "string") return false;
  const match = URN.exec(value);
  return match !== null && (kind === undefined || match[1] === kind);
}

/** The parts of a URN, or undefined when `value` is not one. */
export function parseUrn(value: string): { kind: string; id: string } | undefined {
  const match = URN.exec(value);
  return match ? { kind: match[1] as string, id: match[2] as string } : undefined;
}

/** A URN from a numeric id, for code that still holds ids: `trackUrn(123)`. */
export function trackUrn(id: number | string): TrackUrn {
  return makeUrn("tracks", id);
}

export function userUrn(id: number | string): UserUrn {
  return makeUrn("users", id);
}

export function playlistUrn(id: number | string): PlaylistUrn {
  return makeUrn("playlists", id);
}

function makeUrn<K extends string>(kind: K, id: number | string): Urn<K> {
  const urn = `soundcloud:${kind}:${id}`;
  if (!isUrn(urn, kind)) {
    throw new SoundgateError("invalid_argument", `Not a valid ${kind} id`);
  }
  return urn;
}

/**
 * The URN as a path segment, after checking it is a URN of the expected kind: a user
 * URN passed where a track belongs fails here, not as a confusing 404 upstream.
 */
export function urnSegment(kind: string, value: unknown): string {
  if (!isUrn(value, kind)) {
    throw new SoundgateError(
      "invalid_argument",
      `Expected a ${kind} URN like soundcloud:${kind}:123`,
    );
  }
  // Every character a URN may hold is allowed in a path segment as is.
  return value;
}
