import type { TrackAccess } from "../catalog.js";

/** Query parameters shared by several endpoints, parsed strictly: a bad value is a 400, not a guess. */

export type QueryResult<T> = { ok: true; value: T } | { ok: false; message: string };

const ACCESS_VALUES: readonly TrackAccess[] = ["playable", "preview", "blocked"];
/** The spec's default for `access` on most lists. */
export const DEFAULT_ACCESS: readonly TrackAccess[] = ["playable", "preview"];
/** The spec's default for `access` where it is "explicit" (a user's own likes). */
export const ALL_ACCESS: readonly TrackAccess[] = ACCESS_VALUES;

export function parseAccess(
  query: URLSearchParams,
  fallback: readonly TrackAccess[],
): QueryResult<ReadonlySet<TrackAccess>> {
  const raw = query.get("access");
  if (raw === null || raw === "") return { ok: true, value: new Set(fallback) };
  const values = raw.split(",").map((v) => v.trim());
  const bad = values.find((v) => !ACCESS_VALUES.includes(v as TrackAccess));
  if (bad !== undefined) {
    return {
      ok: false,
      message: "access must be a comma-separated list of playable, preview, blocked",
    };
  }
  return { ok: true, value: new Set(values as TrackAccess[]) };
}

export function parseBoolean(
  query: URLSearchParams,
  name: string,
  fallback: boolean,
): QueryResult<boolean> {
  const raw = query.get(name);
  if (raw === null || raw === "") return { ok: true, value: fallback };
  if (raw === "true" || raw === "1") return { ok: true, value: true };
  if (raw === "false" || raw === "0") return { ok: true, value: false };
  return { ok: false, message: `${name} must be true or false` };
}

/** `sort` (aliases `direction`, `order`): upload date, `desc` (newest first) by default. */
export function parseSort(query: URLSearchParams): QueryResult<"asc" | "desc"> {
  const raw = query.get("sort") ?? query.get("direction") ?? query.get("order");
  if (raw === null || raw === "") return { ok: true, value: "desc" };
  if (raw === "asc" || raw === "desc") return { ok: true, value: raw };
  return { ok: false, message: "sort must be asc or desc" };
}

/** A comma-separated list parameter, trimmed, without empties. */
export function parseList(query: URLSearchParams, name: string): string[] | null {
  const raw = query.get(name);
  if (raw === null || raw.trim() === "") return null;
  return raw
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}
