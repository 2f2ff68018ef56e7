// @ts-check
// Auth.js (@auth/core) with "Sign in with SoundCloud" and safe refresh, on plain Node.
// `npm run example:authjs` runs it offline against the Soundgate emulator.
import { Auth } from "@auth/core";
import { getRequestListener } from "@hono/node-server";
import SoundCloud, { soundcloudRefresh } from "@soundgate/authjs";
import { isMain, serveExample } from "../example-main.js";
import { startOfflineSoundCloud } from "../offline-soundcloud.js";

/**
 * @param {{ baseUrl: string, clientId: string, clientSecret: string,
 *   endpoints?: Partial<import("soundgate").SoundCloudEndpoints>, secret: string }} options
 * @returns {(request: Request) => Promise<Response>}
 */
export function createApp(options) {
  const app = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    endpoints: options.endpoints,
  };
  const soundcloud = soundcloudRefresh(app);
  /** @type {import("@auth/core").AuthConfig} */
  const config = {
    basePath: "/auth",
    secret: options.secret,
    trustHost: true,
    providers: [SoundCloud(app)],
    callbacks: { jwt: soundcloud.jwt, session: soundcloud.session },
  };

  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/auth/")) return Auth(request, config);
    if (url.pathname !== "/") return new Response("Not found", { status: 404 });
    // Read the session the way a page would (this also refreshes the tokens when due).
    const sessionResponse = await Auth(
      new Request(`${options.baseUrl}/auth/session`, { headers: request.headers }),
      config,
    );
    const session = /** @type {import("@auth/core/types").Session | null} */ (
      await sessionResponse.json()
    );
    const csrf = await Auth(
      new Request(`${options.baseUrl}/auth/csrf`, { headers: request.headers }),
      config,
    );
    const { csrfToken } = /** @type {{ csrfToken: string }} */ (await csrf.json());
    const headers = new Headers({ "Content-Type": "text/html; charset=utf-8" });
    for (const cookie of [
      ...sessionResponse.headers.getSetCookie(),
      ...csrf.headers.getSetCookie(),
    ])
      headers.append("Set-Cookie", cookie);
    return new Response(page(session, csrfToken), { headers });
  };
}

/** @param {string} text */
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {import("@auth/core/types").Session | null} session
 * @param {string} csrfToken
 */
function page(session, csrfToken) {
  const user = session?.user;
  const body = !user
    ? `<form method="post" action="/auth/signin/soundcloud">
         <input type="hidden" name="csrfToken" value="${escapeHtml(csrfToken)}">
         <button>Sign in with SoundCloud</button></form>`
    : `<p>${user.image ? `<img src="${escapeHtml(user.image)}" alt="" width="48" height="48"> ` : ""}Signed in as <strong>${escapeHtml(user.name ?? "")}</strong></p>
       ${session?.error === "RefreshTokenError" ? "<p role=alert>SoundCloud refused the refresh token: sign in again.</p>" : ""}
       <form method="post" action="/auth/signout">
         <input type="hidden" name="csrfToken" value="${escapeHtml(csrfToken)}">
         <button>Sign out</button></form>`;
  return `<!doctype html><meta charset="utf-8"><title>Auth.js + SoundCloud</title><h1>Auth.js + SoundCloud</h1>${body}`;
}

if (isMain(import.meta.url)) {
  await serveExample("Auth.js", async (baseUrl) => {
    const soundcloud = await startOfflineSoundCloud(`${baseUrl}/auth/callback/soundcloud`);
    const handler = createApp({
      baseUrl,
      ...soundcloud,
      secret: process.env.AUTH_SECRET ?? crypto.randomUUID().repeat(2),
    });
    return getRequestListener(handler);
  });
}
