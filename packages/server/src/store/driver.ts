import { MissingPackageError } from "../config-error.js";

/**
 * The database drivers are optional peer dependencies: an app installs the one its
 * database URL needs, and the gateway imports only that one, when it opens the store.
 */
export async function loadDriver<T>(
  name: "better-sqlite3" | "pg",
  what: string,
  importer: () => Promise<T>,
): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new MissingPackageError("SOUNDGATE_DATABASE_URL", name, what);
  }
}

/** The package itself is missing (not something it imports, which is a real failure). */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === "ERR_MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`)
  );
}
