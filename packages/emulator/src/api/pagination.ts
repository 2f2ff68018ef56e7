import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { routePath } from "hono/route";
import { json, originOf, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import type { ScCollection } from "./schema.js";

/**
 * SoundCloud's two list styles: a plain array honouring `offset` (deprecated),
 * or with `linked_partitioning=true` a `{collection, next_href}` page whose
 * `next_href` carries an opaque cursor and is absent on the last page. Which
 * one a list answers is the spec's call per response type (see `ListStyle`).
 */

/**
 * How a list answers, from its response type in the spec: `choice` (Tracks,
 * Playlists: a plain array unless `linked_partitioning` asks for a page),
 * `paged` (Users, Comments, Activities: always `{collection, next_href}`) or
 * `array` (TracksList: always a plain array, paged by `offset`).
 */
export type ListStyle = "choice" | "paged" | "array";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface PageRequest {
  limit: number;
  offset: number;
  linked: boolean;
}

type PageResult = { ok: true; page: PageRequest } | { ok: false; response: Response };

/**
 * Reads `limit`, `offset`, `linked_partitioning` and `cursor`. Limits above 200
 * are clamped like SoundCloud does; malformed numbers and tampered cursors are 400s.
 */
export function readPageRequest(c: Context, state: EmulatorState): PageResult {
  const query = new URL(c.req.url).searchParams;
  const bad = (message: string): PageResult => ({
    ok: false,
    response: soundcloudError(400, message),
  });

  const rawLimit = query.get("limit");
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== "") {
    if (!/^\d{1,9}$/.test(rawLimit) || Number(rawLimit) < 1) {
      return bad("limit must be a positive integer");
    }
    limit = Math.min(Number(rawLimit), MAX_LIMIT);
  }

  const rawLinked = query.get("linked_partitioning");
  let linked = false;
  if (rawLinked !== null && rawLinked !== "") {
    if (rawLinked === "true" || rawLinked === "1") linked = true;
    else if (rawLinked !== "false" && rawLinked !== "0") {
      return bad("linked_partitioning must be true or false");
    }
  }

  let offset = 0;
  const cursor = query.get("cursor");
  if (cursor !== null) {
    const fromCursor = openCursor(state.cursorKey, routePath(c), cursor);
    if (fromCursor === null) return bad("invalid cursor");
    offset = fromCursor;
  } else {
    const rawOffset = query.get("offset");
    if (rawOffset !== null && rawOffset !== "") {
      if (!/^\d{1,9}$/.test(rawOffset)) return bad("offset must be a non-negative integer");
      offset = Number(rawOffset);
    }
  }
  return { ok: true, page: { limit, offset, linked } };
}

/** Answers one page of `items` in the list's style (and, for `choice`, the request's). */
export function respondWithPage<T, R>(
  c: Context,
  state: EmulatorState,
  page: PageRequest,
  items: readonly T[],
  render: (item: T) => R,
  style: ListStyle = "choice",
): Response {
  const slice = items.slice(page.offset, page.offset + page.limit).map(render);
  const paged = style === "paged" || (style === "choice" && page.linked);
  if (!paged) return json(slice);
  return json(linkedPage(c, state, page, items.length, slice));
}

/** The `{collection, next_href}` body of one page, for lists that are always paginated. */
export function linkedPage<R>(
  c: Context,
  state: EmulatorState,
  page: PageRequest,
  total: number,
  slice: R[],
): ScCollection<R> {
  const body: ScCollection<R> = { collection: slice };
  const nextOffset = page.offset + page.limit;
  if (nextOffset < total) {
    body.next_href = nextHref(c, state, page.limit, nextOffset);
  }
  return body;
}

function nextHref(c: Context, state: EmulatorState, limit: number, nextOffset: number): string {
  const requested = new URL(c.req.url);
  const next = new URL(`${originOf(c, state.publicUrl)}${requested.pathname}`);
  // Keep the caller's filters (q, access, show_tracks, …); paging is ours to set.
  for (const [name, value] of requested.searchParams) {
    if (!PAGING_PARAMS.has(name)) next.searchParams.append(name, value);
  }
  next.searchParams.set("limit", String(limit));
  next.searchParams.set("linked_partitioning", "true");
  next.searchParams.set("cursor", sealCursor(state.cursorKey, routePath(c), nextOffset));
  return next.href;
}

const PAGING_PARAMS = new Set(["limit", "offset", "cursor", "linked_partitioning"]);

/**
 * A cursor is `base64url(offset).mac`, the MAC binding it to the route it came
 * from: editing it, or replaying it on another list, fails instead of paging
 * somewhere unexpected.
 */
function sealCursor(key: Buffer, route: string, offset: number): string {
  const payload = Buffer.from(String(offset)).toString("base64url");
  return `${payload}.${mac(key, route, payload)}`;
}

function openCursor(key: Buffer, route: string, cursor: string): number | null {
  const match = /^([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
  if (!match) return null;
  const [, payload = "", given = ""] = match;
  const expected = mac(key, route, payload);
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return null;
  const text = Buffer.from(payload, "base64url").toString("utf8");
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}

function mac(key: Buffer, route: string, payload: string): string {
  return createHmac("sha256", key)
    .update(`${route}\n${payload}`)
    .digest()
    .subarray(0, 16)
    .toString("base64url");
}
