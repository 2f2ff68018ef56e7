/** The URN namespaces this emulator serves: `soundcloud:<kind>:<id>`. */
export type UrnKind = "users" | "tracks" | "playlists" | "comments";

export function urnOf(kind: UrnKind, id: number): string {
  return `soundcloud:${kind}:${id}`;
}

/**
 * Reads a path parameter that names a resource: a URN of the right kind
 * (`soundcloud:tracks:123`; Hono has already percent-decoded it) or the bare
 * numeric id. Anything else, a URN of another kind included, is null.
 */
export function parseIdParam(kind: UrnKind, raw: string): number | null {
  const match = /^(?:soundcloud:([a-z-]+):)?(\d{1,15})$/.exec(raw);
  if (!match) return null;
  if (match[1] !== undefined && match[1] !== kind) return null;
  const id = Number(match[2]);
  return Number.isSafeInteger(id) ? id : null;
}
