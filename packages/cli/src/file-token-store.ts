import { join } from "node:path";
import type { StoredTokens, TokenStore } from "soundgate";
import { withFileLock } from "./file-lock.js";
import { readJsonFile, removeFile, writePrivateFile } from "./private-file.js";

/**
 * The core's TokenStore on disk: one JSON file per key (`<key>.tokens.json`, mode
 * 0600, in a 0700 directory), replaced atomically, with a lock file so concurrent
 * processes refresh a grant once. `set` is durable (fsync) before it resolves, as the
 * TokenManager requires of a store: the old refresh token is already spent.
 */
export class FileTokenStore implements TokenStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathOf(key: string): string {
    return join(this.dir, `${checkKey(key)}.tokens.json`);
  }

  async get(key: string): Promise<StoredTokens | undefined> {
    let value: unknown;
    try {
      value = await readJsonFile(this.pathOf(key));
    } catch {
      // A damaged file holds nothing usable: the user logs in again.
      return undefined;
    }
    return parseStored(value);
  }

  async set(key: string, tokens: StoredTokens): Promise<void> {
    const record = {
      version: 1,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      scope: tokens.scope,
      reauthRequired: tokens.reauthRequired === true,
    };
    await writePrivateFile(this.pathOf(key), `${JSON.stringify(record, null, 2)}\n`);
  }

  async delete(key: string): Promise<void> {
    await removeFile(this.pathOf(key));
  }

  withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.dir, `${checkKey(key)}.lock`), work);
  }
}

// Keys become file names: nothing that could leave the directory.
function checkKey(key: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) {
    throw new TypeError("token store keys are 1-64 characters of [A-Za-z0-9_-]");
  }
  return key;
}

function parseStored(value: unknown): StoredTokens | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.accessToken !== "string" || record.accessToken === "") return undefined;
  if (typeof record.expiresAt !== "number") return undefined;
  return {
    accessToken: record.accessToken,
    refreshToken: typeof record.refreshToken === "string" ? record.refreshToken : undefined,
    expiresAt: record.expiresAt,
    scope: typeof record.scope === "string" ? record.scope : "",
    reauthRequired: record.reauthRequired === true,
  };
}
