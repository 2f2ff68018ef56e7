import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** The file, in the data directory, that holds the development key. */
export const DEV_KEY_FILE = "dev-encryption-key";

export interface DevKey {
  /** In SOUNDGATE_ENCRYPTION_KEYS' format: `dev:<base64 of 32 bytes>`. */
  keys: string;
  path: string;
  /** True when this start made it (the first start on this data directory). */
  created: boolean;
}

/**
 * A development key kept in the data directory, so restarting `npm start` does not sign
 * everyone out (an ephemeral key would leave every stored login unreadable). Created
 * once, owner-only (0600, in a 0700 directory if it makes one), and published with a
 * hard link, so two processes starting at once agree on one key and neither reads half a
 * file. A key file that others can read is refused rather than used: whoever reads it
 * can open every token in the database beside it.
 */
export function loadOrCreateDevKey(dir: string): DevKey {
  const path = join(dir, DEV_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing !== undefined) return { keys: existing, path, created: false };

  const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode passes through the umask; a directory we made is made owner-only.
  if (made !== undefined && process.platform !== "win32") chmodSync(dir, 0o700);
  const keys = `dev:${randomBytes(32).toString("base64")}`;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, `${keys}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (process.platform !== "win32") chmodSync(temp, 0o600);
    linkSync(temp, path);
    return { keys, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another process made it first: use theirs.
    return { keys: readKeyFile(path) ?? keys, path, created: false };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The file's key, or undefined when there is none. Throws DevKeyError when it cannot be used. */
function readKeyFile(path: string): string | undefined {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DevKeyError(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!stat.isFile()) throw new DevKeyError(path, "is not a regular file");
  if (process.platform !== "win32" && (stat.mode & 0o077) !== 0) {
    throw new DevKeyError(
      path,
      `is readable by others (mode ${(stat.mode & 0o777).toString(8)}); \`chmod 600\` it, or delete it to start over`,
    );
  }
  const keys = readFileSync(path, "utf8").trim();
  if (!keys) throw new DevKeyError(path, "is empty; delete it to start over");
  return keys;
}

export class DevKeyError extends Error {
  override readonly name = "DevKeyError";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`the development key file ${path} ${detail}`);
  }
}
