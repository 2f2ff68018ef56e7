// @ts-check
// better-auth with "Sign in with SoundCloud" on a SQLite file, and a server-side call to the
// SoundCloud API with a token that refreshes safely. `npm run example:better-auth` runs it
// offline against the Soundgate emulator.
import { mkdirSync } from "node:fs";
import { getRequestListener } from "@hono/node-server";
import { soundcloud } from "@soundgate/better-auth";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import Database from "better-sqlite3";
import { createSoundCloud } from "soundgate";
import { isMain, serveExample } from "../example-main.js";
import { startOfflineSoundCloud } from "../offline-soundcloud.js";

/**
 * @param {{ baseUrl: string, clientId: string, clientSecret: string,
 *   endpoints?: import("soundgate").SoundCloudEndpoints, secret: string, databaseFile: string }} options
 */
export async function createApp(options) {
  const auth = betterAuth({
    baseURL: options.baseUrl,
    secret: options.secret,
    database: new Database(options.databaseFile),
    account: { encryptOAuthTokens: true },
    plugins: [
      soundcloud({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        endpoints: options.endpoints,
      }),
    ],
    telemetry: { enabled: false },
  });
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
  const apiBaseUrl = options.endpoints?.apiBaseUrl;

  /** @param {Request} request */
  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/auth/")) return auth.handler(request);
    if (url.pathname !== "/") return new Response("Not found", { status: 404 });
    const session = await auth.api.getSession({ headers: request.headers });
    let tracks = "";
    if (session) {
      // Server side, for this user: refreshed once however many requests ask at once.
      const { accessToken } = await auth.api.getSoundCloudAccessToken({
        body: { userId: session.user.id },
      });
      const me = await createSoundCloud({ auth: accessToken, apiBaseUrl }).me.get();
      tracks = `${me.track_count ?? 0} tracks, ${me.followers_count ?? 0} followers`;
    }
    return new Response(page(session?.user, tracks), {
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  };
}

/** @param {string} text */
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {{ name: string, image?: string | null } | undefined} user
 * @param {string} tracks
 */
function page(user, tracks) {
  const body = !user
    ? `<button id="signin">Sign in with SoundCloud</button>
       <script type="module">
         document.getElementById("signin").onclick = async () => {
           const response = await fetch("/api/auth/sign-in/social", {
             method: "POST", headers: { "Content-Type": "application/json" },
             body: JSON.stringify({ provider: "soundcloud", callbackURL: "/" }),
           });
           location.href = (await response.json()).url;
         };
       </script>`
    : `<p>${user.image ? `<img src="${escapeHtml(user.image)}" alt="" width="48" height="48"> ` : ""}Signed in as <strong>${escapeHtml(user.name)}</strong>: ${escapeHtml(tracks)}</p>
       <button id="signout">Sign out</button>
       <script type="module">
         document.getElementById("signout").onclick = async () => {
           await fetch("/api/auth/sign-out", { method: "POST" });
           location.reload();
         };
       </script>`;
  return `<!doctype html><meta charset="utf-8"><title>better-auth + SoundCloud</title><h1>better-auth + SoundCloud</h1>${body}`;
}

if (isMain(import.meta.url)) {
  await serveExample("better-auth", async (baseUrl) => {
    const soundcloudApp = await startOfflineSoundCloud(`${baseUrl}/api/auth/callback/soundcloud`);
    mkdirSync("data", { recursive: true });
    const handler = await createApp({
      baseUrl,
      ...soundcloudApp,
      secret: process.env.BETTER_AUTH_SECRET ?? crypto.randomUUID().repeat(2),
      databaseFile: process.env.DATABASE_FILE ?? "data/better-auth-example.db",
    });
    return getRequestListener(handler);
  });
}
