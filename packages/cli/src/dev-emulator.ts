import { randomBytes } from "node:crypto";
import type { GatewayConfig, SoundCloudAppConfig } from "@soundgate/server";
import { loadEmulator } from "./optional-packages.js";

export interface DevEmulator {
  url: string;
  soundcloud: SoundCloudAppConfig;
  close(): Promise<void>;
}

/**
 * With no SoundCloud credentials, `soundgate serve` (and so `npm start`) runs against a
 * local emulator: a client is registered for the gateway's redirect URI with a fresh
 * secret, so nothing needs setup.
 */
export async function startDevEmulator(config: GatewayConfig, port: number): Promise<DevEmulator> {
  const { startEmulator } = await loadEmulator("serve");
  const clientId = "soundgate-dev";
  const clientSecret = randomBytes(24).toString("base64url");
  const emulator = await startEmulator({
    port,
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        // What the emulator's consent page names, instead of the generated id.
        name: "Soundgate demo",
        redirect_uris: [config.redirectUri],
      },
    ],
  });
  return {
    url: emulator.url,
    soundcloud: { clientId, clientSecret, authUrl: emulator.url, apiUrl: emulator.url },
    close: () => emulator.close(),
  };
}
