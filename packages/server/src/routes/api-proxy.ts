import { isSoundgateError } from "soundgate";
import type { GatewayContext } from "../auth/context.js";
import type { GatewayServices } from "../auth/services.js";
import { GatewayError } from "../errors.js";
import { cookieNames, readCookie } from "../http/cookies.js";
import { csrfCheck } from "../http/csrf.js";
import { withDeadline } from "../http/deadline.js";
import { HttpError } from "../http/errors.js";
import {
  AUTH_RESPONSE_HEADERS,
  headerObject,
  SANDBOXED_CSP,
  securityHeaderList,
} from "../http/security-headers.js";

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
/** The answer's headers passed on as they are (Location is rewritten, the length checked). */
const PASSED_ON = new Set([
  "content-type",
  "etag",
  "last-modified",
  "retry-after",
  "content-range",
  "accept-ranges",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
]);
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const MAX_REWRITE_BYTES = 8 * 1024 * 1024;
const HEADERS_TIMEOUT_MS = 30_000;
const JSON_TYPE = /^application\/json/i;
/** The proxy's own answer headers, over the gateway's usual set. */
const PROXIED_ANSWER_HEADERS = [
  ["Cache-Control", "private, no-store"],
  ["Content-Security-Policy", SANDBOXED_CSP],
] as const;

/**
 * A request to the proxy as it reads one, whatever carries it: Hono's request (the app's
 * route) or Node's IncomingMessage (the Node server's direct path, http/proxy-direct.ts).
 */
export interface ProxyRequest {
  readonly method: string;
  /** Absolute, and normalised (dot segments resolved) by the host. */
  readonly url: string;
  /** A request header by its lower-case name. */
  header(name: string): string | undefined;
  /** The body to stream upstream; null for GET and HEAD. */
  body(): ReadableStream<Uint8Array> | null;
}

/** The answer, complete with every header an answer of the gateway carries. */
export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string | ReadableStream<Uint8Array> | null;
}

/** Throws HttpError or GatewayError for what it refuses, as the app's routes do. */
export type ApiProxy = (request: ProxyRequest) => Promise<ProxyAnswer>;

/**
 * `/api/soundcloud/*` → the SoundCloud API with the session's token. The browser never
 * sees a token: the gateway adds it, refreshes it when due (once per connection, across
 * instances), streams bodies both ways, passes statuses through, and rewrites
 * `next_href` (and /resolve's location) to point back at this proxy.
 */
export function apiProxy(ctx: GatewayContext, services: GatewayServices): ApiProxy {
  const cookies = cookieNames(ctx.config);
  const apiBase = ctx.soundcloud.apiUrl;
  const urls = {
    apiOrigin: new URL(apiBase).origin,
    proxyBase: `${ctx.config.publicUrl}${PROXY_PREFIX}`,
  };
  const csrf = csrfCheck(ctx.config);
  // Every header an answer of ours carries, then the proxy's own (they win).
  const answerHeaders = headerObject(
    securityHeaderList(ctx.config),
    AUTH_RESPONSE_HEADERS,
    PROXIED_ANSWER_HEADERS,
  );

  return async (request) => {
    csrf(request);
    const method = request.method;
    if (!METHODS.has(method))
      throw new HttpError(405, "method_not_allowed", "This method is not proxied");
    const target = upstreamUrl(request.url, apiBase);

    const cookie = readCookie(request.header("cookie"), cookies.session);
    const found = await services.bffSessions.lookup(cookie);
    if (found.status === "none") {
      throw new HttpError(401, "not_authenticated", "No session: sign in first");
    }
    if (found.status === "reauth_required") {
      throw new GatewayError("reauth_required", "This login can no longer be used; sign in again");
    }
    const session = found.record;

    const declared = Number(request.header("content-length") ?? "0");
    if (declared > MAX_UPLOAD_BYTES)
      throw new HttpError(413, "payload_too_large", "Upload too large");
    const body = method === "GET" || method === "HEAD" ? null : request.body();

    let token: string;
    try {
      token = await services.appUserConnections.accessToken(session.connectionId, found.grant);
    } catch (error) {
      throw tokenError(error);
    }
    let response = await send(request, target, token, body);
    // A body already streamed upstream cannot be sent twice; the proactive refresh
    // (60 s before expiry) makes a 401 there rare.
    if (response.status === 401 && body === null) {
      const provider = services.appUserConnections.tokens.provider(session.connectionId);
      const rejected = token;
      let retry: string | undefined;
      try {
        const replaced = await provider.handleUnauthorized?.(rejected);
        retry = replaced ? await provider.getAccessToken() : undefined;
      } catch (error) {
        throw tokenError(error);
      }
      if (retry) {
        token = retry;
        await response.body?.cancel();
        response = await send(request, target, token, null);
      }
    }
    return relay(response, urls, answerHeaders);
  };

  /** A failure to get a token, as the page is told of it. */
  function tokenError(error: unknown): unknown {
    if (isSoundgateError(error, "reauth_required")) {
      return new GatewayError(
        "reauth_required",
        "SoundCloud no longer accepts this login; sign in again",
      );
    }
    if (isSoundgateError(error)) {
      return new GatewayError("upstream_unavailable", "Could not refresh the SoundCloud token");
    }
    return error;
  }

  async function send(
    request: ProxyRequest,
    target: string,
    token: string,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<Response> {
    // A plain object: fetch copies it into a header list of its own either way.
    const headers: Record<string, string> = { Authorization: `OAuth ${token}` };
    for (const name of REQUEST_HEADERS) {
      const value = request.header(name);
      if (value !== undefined) headers[name] = value;
    }
    const upstream = ctx.fetch ?? fetch;
    try {
      if (body === null) {
        // No AbortSignal: fetch follows a signal with a WeakRef, a finalizer and a listener
        // (AbortSignal.timeout adds a transferable signal and a timer), ~40 µs of a proxied
        // call. The answer waits HEADERS_TIMEOUT_MS at most; a request still open upstream
        // then is cancelled when it answers, or by fetch's own headers timeout.
        return await withDeadline(
          upstream(target, { method: request.method, headers, redirect: "manual" }),
          HEADERS_TIMEOUT_MS,
        );
      }
      return await upstream(target, {
        method: request.method,
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(HEADERS_TIMEOUT_MS),
        body: limited(body),
        duplex: "half",
      } as RequestInit);
    } catch {
      throw new HttpError(502, "upstream_unavailable", "SoundCloud could not be reached");
    }
  }
}

/**
 * The API URL for this request, from the URL's text: the request's URL is absolute and already
 * normalised (dot segments resolved) by the host, so two `new URL`s and a copy of the
 * query per call are not needed to read it.
 */
export function upstreamUrl(requestUrl: string, apiBase: string): string {
  const hash = requestUrl.indexOf("#");
  const url = hash === -1 ? requestUrl : requestUrl.slice(0, hash);
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  const queryStart = url.indexOf("?", pathStart);
  const pathname = url.slice(pathStart, queryStart === -1 ? undefined : queryStart);
  const path = pathname.slice(PROXY_PREFIX.length) || "/";
  if (
    pathStart === -1 ||
    !pathname.startsWith(PROXY_PREFIX) ||
    !SAFE_RAW_PATH.test(path) ||
    UNSAFE_ESCAPE.test(path) ||
    path.includes("..") ||
    !ALLOWED_PATH.test(path)
  ) {
    throw new HttpError(404, "not_proxied", "This path is not available through the proxy");
  }
  if (queryStart === -1) return apiBase + path;
  const kept = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(url.slice(queryStart + 1))) {
    if (!DROPPED_QUERY.includes(key.toLowerCase())) kept.append(key, value);
  }
  const query = kept.toString();
  return query ? `${apiBase}${path}?${query}` : apiBase + path;
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
  answerHeaders: Record<string, string>,
): Promise<ProxyAnswer> {
  // Whatever SoundCloud (or a CDN in front of it) answers is served from our origin: an
  // HTML error page must not run there as one of ours, nor be sniffed into one
  // (answerHeaders: a sandboxing CSP, nosniff, no-store, and the rest of our set).
  const headers = { ...answerHeaders };
  let location: string | undefined;
  let declared: string | undefined;
  // One pass over the answer's headers (lower-case, repeated ones joined, as get() gives
  // them): eleven get()s validated and looked up a name each.
  for (const [name, value] of upstream.headers) {
    if (PASSED_ON.has(name)) headers[name] = value;
    else if (name === "location") location = value;
    else if (name === "content-length") declared = value;
  }
  if (location) headers.location = toProxy(location, urls);

  const type = headers["content-type"] ?? "";
  if (JSON_TYPE.test(type) && Number(declared ?? "0") <= MAX_REWRITE_BYTES && upstream.body) {
    // Bytes, not text: most answers are passed on as they came, without a UTF-8 decode.
    const body = Buffer.from(await upstream.arrayBuffer());
    return { status: upstream.status, headers, body: rewriteJson(body, urls) };
  }
  if (declared !== undefined) headers["content-length"] = declared;
  return { status: upstream.status, headers, body: upstream.body };
}

/** next_href (paging) and location (/resolve) point back at the proxy, never at the API with a token. */
function rewriteJson(
  bytes: Buffer,
  urls: { apiOrigin: string; proxyBase: string },
): Buffer | string {
  // Most answers (a user, a track) carry neither field: skip the decode, parse and
  // re-serialisation.
  if (bytes.indexOf('"next_href"') === -1 && bytes.indexOf('"location"') === -1) return bytes;
  const text = bytes.toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return bytes;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return bytes;
  const record = body as Record<string, unknown>;
  let changed = false;
  for (const key of ["next_href", "location"]) {
    const value = record[key];
    if (typeof value === "string" && value.startsWith(urls.apiOrigin)) {
      record[key] = toProxy(value, urls);
      changed = true;
    }
  }
  return changed ? JSON.stringify(record) : bytes;
}

function toProxy(url: string, urls: { apiOrigin: string; proxyBase: string }): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.origin !== urls.apiOrigin) return url;
  return `${urls.proxyBase}${parsed.pathname}${parsed.search}`;
}
