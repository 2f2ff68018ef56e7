import { CliError, EXIT } from "./command.js";

/**
 * The gateway and the emulator are optional: `soundgate login`, `token`, `api` and the
 * rest need only the core, so a script that runs `soundgate token` installs (and loads)
 * nothing else. The commands that need one of them import it here, when they run.
 */
export type ServerModule = typeof import("@soundgate/server");
export type EmulatorModule = typeof import("@soundgate/emulator");

/** The gateway opens a database, so it needs that database's driver too (its optional peer). */
export function loadServer(command: string): Promise<ServerModule> {
  return load(
    "@soundgate/server",
    command,
    () => import("@soundgate/server"),
    "npm install @soundgate/server better-sqlite3 (pg instead of better-sqlite3 for a postgres:// database)",
  );
}

export function loadEmulator(command: string): Promise<EmulatorModule> {
  return load("@soundgate/emulator", command, () => import("@soundgate/emulator"));
}

/** The gateway's database driver missing from the install, as exit 8; anything else as it is. */
export function missingDriver(server: ServerModule, error: unknown): unknown {
  return error instanceof server.MissingPackageError
    ? new CliError(EXIT.missingPackage, error.message)
    : error;
}

async function load<T>(
  name: string,
  command: string,
  importer: () => Promise<T>,
  install = `npm install ${name}`,
): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new CliError(
      EXIT.missingPackage,
      `\`soundgate ${command}\` needs ${name}, which is not installed; install it beside @soundgate/cli: ${install}`,
    );
  }
}

/** The package itself is missing (not something it imports, which is a real failure). */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === "ERR_MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`)
  );
}
