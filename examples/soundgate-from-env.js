// @ts-check
// What the Express and Hono examples share: Soundgate configured from the environment (or
// against the emulator, offline), the toy app login, the home page and the error mapping.
import { randomBytes } from "node:crypto";
import { ConfigError, createSoundgate, GatewayError, httpStatusOf } from "@soundgate/server";
import { ExampleConfigError } from "./example-main.js";
import { startOfflineSoundCloud } from "./offline-soundcloud.js";

/** createSoundgate's options, as the environment variables the examples read them from. */
const VARIABLES = /** @type {Record<string, string>} */ ({
  clientId: "SOUNDCLOUD_CLIENT_ID",
  clientSecret: "SOUNDCLOUD_CLIENT_SECRET",
  redirectUri: "SOUNDCLOUD_REDIRECT_URI",
  encryptionKeys: "SOUNDGATE_ENCRYPTION_KEYS",
  database: "SOUNDGATE_DATABASE_URL",
});

/**
 * One Soundgate for the whole app. With SOUNDCLOUD_CLIENT_ID and SOUNDCLOUD_CLIENT_SECRET:
 * SoundCloud (or whatever SOUNDCLOUD_AUTH_URL / SOUNDCLOUD_API_URL name). With neither: the
 * emulator, started here, with a throwaway key and an in-memory database (the emulator
 * forgets its grants on exit too). Mistakes are an ExampleConfigError naming the variable.
 * @param {{ baseUrl: string, env?: NodeJS.ProcessEnv }} options
 */
export async function soundgateFromEnv({ baseUrl, env = process.env }) {
  const redirectUri = env.SOUNDCLOUD_REDIRECT_URI ?? `${baseUrl}/soundcloud/callback`;
  if (!URL.canParse(redirectUri))
    throw new ExampleConfigError("SOUNDCLOUD_REDIRECT_URI must be an absolute URL");
  const soundcloud = await startOfflineSoundCloud(redirectUri, env);
  const offline = soundcloud.emulatorUrl;
  try {
    return await createSoundgate({
      clientId: soundcloud.clientId,
      clientSecret: soundcloud.clientSecret,
      redirectUri,
      database:
        env.SOUNDGATE_DATABASE_URL ?? (offline ? "sqlite::memory:" : "sqlite:./data/examples.db"),
      encryptionKeys:
        env.SOUNDGATE_ENCRYPTION_KEYS ??
        (offline ? `example:${randomBytes(32).toString("base64")}` : undefined),
      authUrl: offline ?? env.SOUNDCLOUD_AUTH_URL,
      apiUrl: offline ?? env.SOUNDCLOUD_API_URL,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const variable = VARIABLES[error.variable] ?? error.variable;
    throw new ExampleConfigError(
      `${variable}: ${error.message.slice(error.variable.length + 2)} (see examples/README.md)`,
    );
  }
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
 * What the error handler answers. Soundgate's own errors (GatewayError) carry a machine code
 * that httpStatusOf maps to the gateway's status (`not_connected` 409, `invalid_state` 400,
 * `flow_user_mismatch` 403, …); a grant SoundCloud
 * no longer accepts is a 401; anything else is unexpected: logged, by name and message only
 * (Soundgate's messages never hold a token), then answered 502 or 500.
 * @param {unknown} error
 * @param {(line: string) => void} [log]
 * @returns {{ status: number, body: { error: string, message: string } }}
 */
export function errorBody(error, log = console.error) {
  const status = error instanceof GatewayError ? httpStatusOf(error) : undefined;
  if (error instanceof GatewayError && status !== undefined && status < 500) {
    return { status, body: error.toJSON() };
  }
  const { name, message, code } =
    /** @type {{ name?: string, message?: string, code?: unknown }} */ (
      error instanceof Error ? error : { name: typeof error, message: String(error) }
    );
  if (name === "SoundgateError" && code === "reauth_required") {
    const body = {
      error: "reauth_required",
      message: "SoundCloud no longer accepts this connection; connect again",
    };
    return { status: 401, body };
  }
  if (name === "SoundgateError" && code === "rate_limited") {
    return {
      status: 429,
      body: { error: "rate_limited", message: "SoundCloud asks us to slow down; try again later" },
    };
  }
  log(`unexpected error: ${name}${code ? ` (${code})` : ""}: ${message}`);
  if (error instanceof GatewayError && status !== undefined) {
    return { status, body: error.toJSON() };
  }
  if (name === "SoundgateError") {
    return {
      status: 502,
      body: {
        error: "soundcloud_error",
        message: "SoundCloud could not answer that; try again later",
      },
    };
  }
  return { status: 500, body: { error: "internal_error", message: "Something went wrong" } };
}

/**
 * The page at `/`: who is signed in to the toy app, and the example's routes to try.
 * @param {string | undefined} user
 */
export function homePage(user) {
  const body = user
    ? `<p>Signed in to the app as <strong>${user}</strong> (<a href="/login?user=bob">switch to bob</a>).</p>
<ol>
  <li><a href="/soundcloud/connect">Connect SoundCloud</a>: the consent page, then back to <code>/soundcloud/callback</code></li>
  <li><a href="/soundcloud/me">/soundcloud/me</a>: the SoundCloud profile, fetched server-side with the stored tokens</li>
  <li><form method="post" action="/soundcloud/disconnect"><button>Disconnect</button></form></li>
</ol>`
    : `<p><a href="/login?user=alice">Sign in to the app as alice</a> (a toy login: a cookie).</p>`;
  return `<!doctype html><meta charset="utf-8"><title>Soundgate example</title><h1>Soundgate example</h1>${body}`;
}
