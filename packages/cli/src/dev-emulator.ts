import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { GatewayConfig, SoundCloudAppConfig } from "@soundgate/server";
import { CliError, EXIT } from "./command.js";
import { loadEmulator } from "./optional-packages.js";

export interface DevEmulator {
  url: string;
  soundcloud: SoundCloudAppConfig;
  /** Where it keeps its state across restarts (in the data directory), if it does. */
  stateFile: string | undefined;
  close(): Promise<void>;
}

/** The emulator's state file in the data directory. */
export const DEV_EMULATOR_STATE_FILE = "emulator-state.json";

/**
 * With no SoundCloud credentials, `soundgate serve` (and so `npm start`) runs against a
 * local emulator: a client is registered for the gateway's redirect URI with a fresh
 * secret, so nothing needs setup. It keeps its grants, tokens and writes in the data
 * directory, beside the gateway's database, so a restart keeps everyone signed in on both
 * sides; with the database in memory it keeps nothing either.
 */
export async function startDevEmulator(config: GatewayConfig, port: number): Promise<DevEmulator> {
  const { startEmulator, StateFileError } = await loadEmulator("serve");
  const clientId = "soundgate-dev";
  const clientSecret = randomBytes(24).toString("base64url");
  const stateFile =
    config.databaseUrl === "sqlite::memory:"
      ? undefined
      : join(config.dataDir, DEV_EMULATOR_STATE_FILE);
  if (stateFile) {
    const made = mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (made !== undefined && process.platform !== "win32") chmodSync(config.dataDir, 0o700);
  }
  const emulator = await startEmulator({
    port,
    ...(stateFile ? { stateFile } : {}),
    // Registered on top of the saved clients: the same id with this start's secret.
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        // What the emulator's consent page names, instead of the generated id.
        name: "Soundgate demo",
        redirect_uris: [config.redirectUri],
      },
    ],
  }).catch((error: unknown) => {
    if (error instanceof StateFileError) {
      throw new CliError(EXIT.config, `the built-in emulator's ${error.message}`);
    }
    throw error;
  });
  return {
    url: emulator.url,
    soundcloud: { clientId, clientSecret, authUrl: emulator.url, apiUrl: emulator.url },
    stateFile,
    close: () => emulator.close(),
  };
}
