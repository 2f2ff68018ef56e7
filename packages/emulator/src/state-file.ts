import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import type { CatalogSnapshot } from "./catalog.js";
import type { GrantSnapshot } from "./oauth/grants.js";
import type { EmulatorClient } from "./options.js";
import type { UploadRecord } from "./upload-record.js";
import { isPlainObject } from "./validate.js";

/**
 * `--state-file`: what an emulator keeps across restarts (registered clients, grants
 * and tokens as digests, and every write to the catalog) in one JSON file. It is
 * replaced atomically (a temporary file, fsync, rename) with mode 0600, and carries a
 * checksum: a file that is unreadable, truncated, edited or from another version stops
 * the emulator with a StateFileError instead of being silently replaced by a fresh world.
 */

const FORMAT = "soundgate-emulator-state";
const VERSION = 1;

export interface SavedState {
  clients: EmulatorClient[];
  grants: GrantSnapshot;
  catalog: CatalogSnapshot;
  uploads: UploadRecord[];
  /** Signs pagination cursors, so a next_href from before a restart still works. */
  cursor_key: string;
}

/** A state file that cannot be read, trusted or written. The message names the file and why. */
export class StateFileError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`state file ${path}: ${detail}`);
    this.name = "StateFileError";
  }
}

/** The saved state, or null when there is no file yet. Throws StateFileError otherwise. */
export function readStateFile(path: string): SavedState | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    throw new StateFileError(path, `cannot be read (${describeFsError(code)})`);
  }
  const fail = (detail: string): never => {
    throw new StateFileError(
      path,
      `${detail}; nothing was changed. Move the file away to start from the seeded data.`,
    );
  };
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    return fail(text.trim() === "" ? "is empty" : "is not valid JSON (corrupt or truncated)");
  }
  if (!isPlainObject(envelope) || envelope.format !== FORMAT) {
    return fail("is not a Soundgate emulator state file");
  }
  if (envelope.version !== VERSION) {
    return fail(`has format version ${String(envelope.version)}; this emulator reads ${VERSION}`);
  }
  const state = envelope.state;
  if (envelope.sha256 !== checksum(JSON.stringify(state))) {
    return fail("is corrupt (its checksum does not match its content)");
  }
  const problem = shapeProblem(state);
  if (problem) return fail(`is corrupt (${problem})`);
  return state as SavedState;
}

/** Replaces the file atomically: readers see the old state or the new one, never half of it. */
export function writeStateFile(path: string, state: SavedState): void {
  const body = JSON.stringify(state);
  const text = `{"format":"${FORMAT}","version":${VERSION},"sha256":"${checksum(body)}","state":${body}}\n`;
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const fd = openSync(temporary, "wx", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new StateFileError(path, `cannot be written (${describeFsError(code)})`);
  }
}

function checksum(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function describeFsError(code: string | undefined): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOENT":
      return "its directory does not exist";
    case "ENOTDIR":
      return "a parent is not a directory";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "read-only file system";
    default:
      return code ?? "unknown error";
  }
}

/**
 * A light structural check before restoring (the checksum already rules out damage):
 * the parts are there with the right kinds of values. The restore itself checks the
 * references between them.
 */
function shapeProblem(state: unknown): string | null {
  if (!isPlainObject(state)) return "no state object";
  const { clients, grants, catalog, uploads, cursor_key } = state;
  if (!Array.isArray(clients)) return "clients is not a list";
  if (!Array.isArray(uploads)) return "uploads is not a list";
  if (typeof cursor_key !== "string" || Buffer.from(cursor_key, "base64").length !== 32) {
    return "cursor_key is not a 32-byte key";
  }
  if (!isPlainObject(grants)) return "grants is missing";
  for (const key of ["grants", "pending", "codes", "access_tokens", "refresh_tokens"]) {
    if (!Array.isArray(grants[key])) return `grants.${key} is not a list`;
  }
  if (!isPlainObject(catalog)) return "catalog is missing";
  for (const key of ["users", "tracks", "playlists", "comments"]) {
    if (!Array.isArray(catalog[key])) return `catalog.${key} is not a list`;
  }
  for (const key of ["lists", "sets", "next_ids"]) {
    if (!isPlainObject(catalog[key])) return `catalog.${key} is missing`;
  }
  for (const [name, entries] of [
    ...Object.entries(catalog.lists as Record<string, unknown>),
    ...Object.entries(catalog.sets as Record<string, unknown>),
  ]) {
    const valid =
      Array.isArray(entries) &&
      entries.every(
        (entry) =>
          Array.isArray(entry) &&
          Number.isInteger(entry[0]) &&
          Array.isArray(entry[1]) &&
          entry[1].every(Number.isInteger),
      );
    if (!valid) return `catalog index ${name} is malformed`;
  }
  return null;
}
