import { CliError, EXIT } from "./command.js";

/**
 * The gateway and the emulator are optional: `soundgate login`, `token`, `api` and the
 * rest need only the core, so a script that runs `soundgate token` installs (and loads)
 * nothing else. The commands that need one of them import it here, when they run.
 */
export type ServerModule = typeof import("@soundgate/server");
export type EmulatorModule = typeof import("@soundgate/emulator");

export function loadServer(command: string): Promise<ServerModule> {
  return load("@soundgate/server", command, () => import("@soundgate/server"));
}

export function loadEmulator(command: string): Promise<EmulatorModule> {
  return load("@soundgate/emulator", command, () => import("@soundgate/emulator"));
}

async function load<T>(name: string, command: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new CliError(
      EXIT.missingPackage,
      `\`soundgate ${command}\` needs ${name}, which is not installed; install it beside @soundgate/cli: npm install ${name}`,
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
