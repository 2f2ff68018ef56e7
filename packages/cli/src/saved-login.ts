import { join } from "node:path";
import type { SoundCloudEndpoints } from "soundgate";
import { readJsonFile, removeFile, writePrivateFile } from "./private-file.js";

/**
 * What `soundgate login` remembers besides the tokens: which app and which SoundCloud
 * (or emulator) the tokens belong to, and whose they are. A real app's client secret
 * is never written here: it stays in the environment (or ./.env) and is read when a
 * refresh needs it. Only a client the CLI registered on an emulator keeps its secret.
 */
export interface SavedLogin {
  version: 1;
  clientId: string;
  /** Set only for a client `login --emulator` registered itself. */
  clientSecret?: string | undefined;
  redirectUri: string;
  endpoints: SoundCloudEndpoints;
  user: { urn: string; username: string };
  emulator: boolean;
  loggedInAt: string;
}

export const TOKEN_KEY = "default";

/** The file keeps its first name, session.json, so logins saved by earlier versions still work. */
export function savedLoginPath(dir: string): string {
  return join(dir, "session.json");
}

export async function loadSavedLogin(dir: string): Promise<SavedLogin | undefined> {
  let value: unknown;
  try {
    value = await readJsonFile(savedLoginPath(dir));
  } catch {
    return undefined;
  }
  return isSavedLogin(value) ? value : undefined;
}

export async function writeSavedLogin(dir: string, login: SavedLogin): Promise<void> {
  await writePrivateFile(savedLoginPath(dir), `${JSON.stringify(login, null, 2)}\n`);
}

export async function deleteSavedLogin(dir: string): Promise<void> {
  await removeFile(savedLoginPath(dir));
}

function isSavedLogin(value: unknown): value is SavedLogin {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Partial<SavedLogin>;
  const e = s.endpoints as Partial<SoundCloudEndpoints> | undefined;
  return (
    s.version === 1 &&
    typeof s.clientId === "string" &&
    typeof s.redirectUri === "string" &&
    typeof e?.authorizeUrl === "string" &&
    typeof e.tokenUrl === "string" &&
    typeof e.signOutUrl === "string" &&
    typeof e.apiBaseUrl === "string" &&
    typeof s.user?.urn === "string" &&
    typeof s.user.username === "string"
  );
}
