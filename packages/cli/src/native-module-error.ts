import { CliError, EXIT } from "./command.js";

/**
 * SQLite (the default database) is better-sqlite3, a native module built by its install
 * script. When that script did not run (npm told to skip scripts, or not yet allowed to
 * run this one) or was built for another Node.js, loading it fails with a list of paths
 * it tried. Said instead as what to do, with the exit code for "not installed or not built".
 */
export function nativeModuleError(error: unknown): CliError | undefined {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  if (typeof message !== "string" || !/better[-_]sqlite3/.test(message)) return undefined;
  const unbuilt = /Could not locate the bindings file/.test(message);
  const otherNode = code === "ERR_DLOPEN_FAILED" || /NODE_MODULE_VERSION/.test(message);
  if (!unbuilt && !otherNode) return undefined;
  return new CliError(
    EXIT.missingPackage,
    `SQLite's native module (better-sqlite3) is ${unbuilt ? "not built: its install script did not run" : "built for another Node.js version"}. ` +
      "Run `npm rebuild better-sqlite3`, or use PostgreSQL (SOUNDGATE_DATABASE_URL=postgres://…).",
  );
}
