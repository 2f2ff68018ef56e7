// @ts-check
// The framework examples run offline: with no SOUNDCLOUD_CLIENT_ID set, they start the
// Soundgate emulator and register themselves as its client.
import { startEmulator } from "@soundgate/emulator";
import { endpointsForOrigin } from "soundgate";

/**
 * @param {string} redirectUri
 * @returns {Promise<{ clientId: string, clientSecret: string,
 *   endpoints?: import("soundgate").SoundCloudEndpoints }>}
 */
export async function startOfflineSoundCloud(redirectUri, env = process.env) {
  if (env.SOUNDCLOUD_CLIENT_ID && env.SOUNDCLOUD_CLIENT_SECRET)
    return { clientId: env.SOUNDCLOUD_CLIENT_ID, clientSecret: env.SOUNDCLOUD_CLIENT_SECRET };
  const client = { client_id: "example-app", client_secret: "example-app-secret" };
  const emulator = await startEmulator({
    port: 0,
    clients: [{ ...client, redirect_uris: [redirectUri], name: "Soundgate example" }],
  });
  console.log(`SoundCloud emulator on ${emulator.url} (no SOUNDCLOUD_CLIENT_ID set)`);
  return {
    clientId: client.client_id,
    clientSecret: client.client_secret,
    endpoints: endpointsForOrigin(emulator.url),
  };
}
