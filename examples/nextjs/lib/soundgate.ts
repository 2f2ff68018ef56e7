import { ConfigError, createSoundgate, type Soundgate } from "@soundgate/server";

// Next may evaluate this module once per route bundle (and again on every edit in
// `next dev`), so the one Soundgate of the process lives on globalThis, like a database
// client would: one store, one refresh lock per user, whatever route asks.
const holder = globalThis as { soundgate?: Promise<Soundgate> };

/** The Soundgate of this server process, configured from the environment. */
export function soundgate(): Promise<Soundgate> {
  holder.soundgate ??= open().catch((error: unknown) => {
    holder.soundgate = undefined; // a fixed environment works on the next request
    throw error;
  });
  return holder.soundgate;
}

/** A configuration mistake, said in one line that names the environment variable. */
export class SetupError extends Error {
  override name = "SetupError";
}

const VARIABLES: Record<string, string> = {
  clientId: "SOUNDCLOUD_CLIENT_ID",
  clientSecret: "SOUNDCLOUD_CLIENT_SECRET",
  redirectUri: "SOUNDCLOUD_REDIRECT_URI",
  encryptionKeys: "SOUNDGATE_ENCRYPTION_KEYS",
};

async function open(): Promise<Soundgate> {
  const env = process.env;
  try {
    return await createSoundgate({
      clientId: env.SOUNDCLOUD_CLIENT_ID ?? "",
      clientSecret: env.SOUNDCLOUD_CLIENT_SECRET ?? "",
      redirectUri: env.SOUNDCLOUD_REDIRECT_URI ?? "",
      database: env.SOUNDGATE_DATABASE_URL ?? "sqlite:./data/soundgate.db",
      encryptionKeys: env.SOUNDGATE_ENCRYPTION_KEYS,
      authUrl: env.SOUNDCLOUD_AUTH_URL, // unset: SoundCloud; the emulator's URL offline
      apiUrl: env.SOUNDCLOUD_API_URL,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const variable = VARIABLES[error.variable] ?? error.variable;
    throw new SetupError(
      `${variable}: ${error.message.slice(error.variable.length + 2)} (set it in .env.local)`,
    );
  }
}
