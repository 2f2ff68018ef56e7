import { type Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { isSoundgateError } from "soundgate";
import type { GatewayContext } from "../auth/context.js";
import type { GatewayServices } from "../auth/services.js";
import { GatewayError } from "../errors.js";
import { cookieNames } from "../http/cookies.js";
import { csrfGuard } from "../http/csrf.js";
import { HttpError } from "../http/errors.js";
import { SANDBOXED_CSP } from "../http/security-headers.js";

export const PROXY_PREFIX = "/api/soundcloud";
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE"]);
/** The API areas a page may reach through the proxy; nothing else (no /oauth, no /sign-out). */
const ALLOWED_PATH = /^\/(me|tracks|users|playlists|likes|reposts|resolve)(\/|$)/;
/** Raw path segments: unreserved characters, ':' and '@' (URNs), and percent-escapes other than / . \ NUL. */
const SAFE_RAW_PATH = /^(\/[A-Za-z0-9\-._~:@!$&'()*+,;=%]+)+\/?$/;
const UNSAFE_ESCAPE = /%(2e|2f|5c|00)/i;
const DROPPED_QUERY = ["oauth_token", "access_token", "client_id", "client_secret"];
const REQUEST_HEADERS = [
  "accept",
  "content-type",
  "content-length",
  "if-none-match",
  "if-modified-since",
  "range",
];
const RESPONSE_HEADERS = [
  "content-type",
  "etag",
  "last-modified",
  "retry-after",
  "content-range",
  "accept-ranges",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
];
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const MAX_REWRITE_BYTES = 8 * 1024 * 1024;
const HEADERS_TIMEOUT_MS = 30_000;

/**
 * `/api/soundcloud/*` → the SoundCloud API with the session's token. The browser never
 * sees a token: the gateway adds it, refreshes it when due (once per connection, across
 * instances), streams bodies both ways, passes statuses through, and rewrites
 * `next_href` (and /resolve's location) to point back at this proxy.
 */
export function proxyRoutes(ctx: GatewayContext, services: GatewayServices): Hono {
  const app = new Hono();
  const cookies = cookieNames(ctx.config);
  const apiBase = ctx.soundcloud.apiUrl;
  const apiOrigin = new URL(apiBase).origin;
  const proxyBase = `${ctx.config.publicUrl}${PROXY_PREFIX}`;

  app.use("*", csrfGuard(ctx.config));
  app.all("*", async (c) => {
    const method = c.req.method;
    if (!METHODS.has(method))
      throw new HttpError(405, "method_not_allowed", "This method is not proxied");
    const target = upstreamUrl(c, apiBase);

    const cookie = getCookie(c, cookies.session);
    const found = await services.bffSessions.lookup(cookie);
    if (found.status === "none") {
      throw new HttpError(401, "not_authenticated", "No session: sign in first");
    }
    if (found.status === "reauth_required") {
      throw new GatewayError("reauth_required", "This login can no longer be used; sign in again");
    }
    const session = found.record;

    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > MAX_UPLOAD_BYTES)
      throw new HttpError(413, "payload_too_large", "Upload too large");
    const hasBody = method !== "GET" && method !== "HEAD" && c.req.raw.body !== null;
    const provider = services.appUserConnections.tokens.provider(session.connectionId);

    let token = await accessToken(() =>
      services.appUserConnections.accessToken(session.connectionId, found.grant),
    );
    let response = await send(c, target, token, hasBody);
    // A body already streamed upstream cannot be sent twice; the proactive refresh
    // (60 s before expiry) makes a 401 there rare.
    if (response.status === 401 && !hasBody && provider.handleUnauthorized) {
      const retry = await accessToken(async () =>
        (await provider.handleUnauthorized?.(token)) ? provider.getAccessToken() : undefined,
      );
      if (retry) {
        token = retry;
        await response.body?.cancel();
        response = await send(c, target, token, false);
      }
    }
    return relay(response, { apiOrigin, proxyBase });
  });
  return app;

  async function accessToken<T>(get: () => Promise<T>): Promise<T> {
    try {
      return await get();
    } catch (error) {
      if (isSoundgateError(error, "reauth_required")) {
        throw new GatewayError(
          "reauth_required",
          "SoundCloud no longer accepts this login; sign in again",
        );
      }
      if (isSoundgateError(error)) {
        throw new GatewayError("upstream_unavailable", "Could not refresh the SoundCloud token");
      }
      throw error;
    }
  }

  async function send(
    c: Context,
    target: URL,
    token: string,
    withBody: boolean,
  ): Promise<Response> {
    const headers = new Headers({ Authorization: `OAuth ${token}` });
    for (const name of REQUEST_HEADERS) {
      const value = c.req.header(name);
      if (value !== undefined) headers.set(name, value);
    }
    try {
      return await (ctx.fetch ?? fetch)(target, {
        method: c.req.method,
        headers,
        redirect: "manual",
        // One object per call (a controller, a timer and its clearing were three).
        signal: AbortSignal.timeout(HEADERS_TIMEOUT_MS),
        ...(withBody
          ? { body: limited(c.req.raw.body as ReadableStream<Uint8Array>), duplex: "half" }
          : {}),
      } as RequestInit);
    } catch {
      throw new HttpError(502, "upstream_unavailable", "SoundCloud could not be reached");
    }
  }
}

function upstreamUrl(c: Context, apiBase: string): URL {
  const raw = new URL(c.req.url);
  const path = raw.pathname.slice(PROXY_PREFIX.length) || "/";
  if (
    !SAFE_RAW_PATH.test(path) ||
    UNSAFE_ESCAPE.test(path) ||
    path.includes("..") ||
    !ALLOWED_PATH.test(path)
  ) {
    throw new HttpError(404, "not_proxied", "This path is not available through the proxy");
  }
  const target = new URL(apiBase + path);
  for (const [key, value] of raw.searchParams) {
    if (!DROPPED_QUERY.includes(key.toLowerCase())) target.searchParams.append(key, value);
  }
  return target;
}

/** Pass the upstream body on, refusing (by erroring the stream) past the upload limit. */
function limited(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_UPLOAD_BYTES) controller.error(new Error("upload too large"));
        else controller.enqueue(chunk);
      },
    }),
  );
}

async function relay(
  upstream: Response,
  urls: { apiOrigin: string; proxyBase: string },
): Promise<Response> {
  // Whatever SoundCloud (or a CDN in front of it) answers is served from our origin: an
  // HTML error page must not run there as one of ours, nor be sniffed into one.
  const headers = new Headers({
    "Cache-Control": "private, no-store",
    "Content-Security-Policy": SANDBOXED_CSP,
    "X-Content-Type-Options": "nosniff",
  });
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const location = upstream.headers.get("location");
  if (location) headers.set("Location", toProxy(location, urls));

  const type = upstream.headers.get("content-type") ?? "";
  const length = Number(upstream.headers.get("content-length") ?? "0");
  if (/^application\/json/i.test(type) && length <= MAX_REWRITE_BYTES && upstream.body) {
    const text = await upstream.text();
    return new Response(rewriteJson(text, urls), { status: upstream.status, headers });
  }
  const declared = upstream.headers.get("content-length");
  if (declared !== null) headers.set("Content-Length", declared);
  return new Response(upstream.body, { status: upstream.status, headers });
}

/** next_href (paging) and location (/resolve) point back at the proxy, never at the API with a token. */
function rewriteJson(text: string, urls: { apiOrigin: string; proxyBase: string }): string {
  // Most answers (a user, a track) carry neither field: skip the parse and re-serialise.
  if (!text.includes('"next_href"') && !text.includes('"location"')) return text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return text;
  const record = body as Record<string, unknown>;
  let changed = false;
  for (const key of ["next_href", "location"]) {
    const value = record[key];
    if (typeof value === "string" && value.startsWith(urls.apiOrigin)) {
      record[key] = toProxy(value, urls);
      changed = true;
    }
  }
  return changed ? JSON.stringify(record) : text;
}

function toProxy(url: string, urls: { apiOrigin: string; proxyBase: string }): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.origin !== urls.apiOrigin) return url;
  return `${urls.proxyBase}${parsed.pathname}${parsed.search}`;
}
