// @ts-check
import { createSoundgate, HttpError } from "@soundgate/server";

/** One Soundgate for the whole app, configured from the environment. */
export function soundgateFromEnv(env = process.env) {
  return createSoundgate({
    clientId: env.SOUNDCLOUD_CLIENT_ID ?? "",
    clientSecret: env.SOUNDCLOUD_CLIENT_SECRET ?? "",
    redirectUri: env.SOUNDCLOUD_REDIRECT_URI ?? "http://localhost:3000/soundcloud/callback",
    database: env.SOUNDGATE_DATABASE_URL ?? "sqlite:./data/examples.db",
    ...(env.SOUNDGATE_ENCRYPTION_KEYS ? { encryptionKeys: env.SOUNDGATE_ENCRYPTION_KEYS } : {}),
    ...(env.SOUNDCLOUD_AUTH_URL ? { authUrl: env.SOUNDCLOUD_AUTH_URL } : {}),
    ...(env.SOUNDCLOUD_API_URL ? { apiUrl: env.SOUNDCLOUD_API_URL } : {}),
  });
}

/**
 * The toy app login: the user id from the `app_user` cookie. Use your real session instead.
 * @param {string | null | undefined} cookieHeader
 */
export function appUserFrom(cookieHeader) {
  const match = /(?:^|;\s*)app_user=([A-Za-z0-9_-]{1,64})/.exec(cookieHeader ?? "");
  return match?.[1];
}

/**
 * Errors from Soundgate carry an HTTP status and a machine code; others are a 500.
 * @param {unknown} error
 * @returns {{ status: number, body: { error: string, message: string } }}
 */
export function errorBody(error) {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: error.error, message: error.message } };
  }
  if (error && typeof error === "object" && "code" in error && error.code === "reauth_required") {
    return { status: 401, body: { error: "reauth_required", message: "Connect SoundCloud again" } };
  }
  return { status: 500, body: { error: "internal_error", message: "Something went wrong" } };
}
