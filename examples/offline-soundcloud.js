// @ts-check
// The examples run offline: with neither SOUNDCLOUD_CLIENT_ID nor SOUNDCLOUD_CLIENT_SECRET
// set, they start the Soundgate emulator in their own process and register themselves as
// its client. Half a configuration is a mistake, said in one line.
import { startEmulator } from "@soundgate/emulator";
import { endpointsForOrigin } from "soundgate";
import { ExampleConfigError } from "./example-main.js";

/**
 * True with both SOUNDCLOUD_CLIENT_ID and SOUNDCLOUD_CLIENT_SECRET set, false with neither;
 * one without the other is an ExampleConfigError naming the missing one.
 */
export function usesSoundCloud(env = process.env) {
  const id = env.SOUNDCLOUD_CLIENT_ID;
  const secret = env.SOUNDCLOUD_CLIENT_SECRET;
  if (id && secret) return true;
  if (!id && !secret) return false;
  const [missing, present] = id
    ? ["SOUNDCLOUD_CLIENT_SECRET", "SOUNDCLOUD_CLIENT_ID"]
    : ["SOUNDCLOUD_CLIENT_ID", "SOUNDCLOUD_CLIENT_SECRET"];
  throw new ExampleConfigError(
    `${missing} is not set but ${present} is: set both to use SoundCloud, or neither to run offline against the emulator`,
  );
}

/**
 * @param {string} redirectUri where SoundCloud (or the emulator) sends the user back
 * @returns {Promise<{ clientId: string, clientSecret: string,
 *   endpoints?: import("soundgate").SoundCloudEndpoints, emulatorUrl?: string }>}
 */
export async function startOfflineSoundCloud(redirectUri, env = process.env) {
  if (usesSoundCloud(env)) {
    return {
      clientId: env.SOUNDCLOUD_CLIENT_ID ?? "",
      clientSecret: env.SOUNDCLOUD_CLIENT_SECRET ?? "",
    };
  }
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
    emulatorUrl: emulator.url,
  };
}
