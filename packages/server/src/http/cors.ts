import type { MiddlewareHandler } from "hono";

const ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE";
const ALLOW_HEADERS =
  "Content-Type, X-Soundgate-Result-Verifier, X-Soundgate-Result-Key, X-Soundgate-CSRF, DPoP";
const MAX_AGE_S = "600";

/**
 * CORS for the auth and proxy routes: credentials, and only for origins on the allowlist.
 *
 * Written here instead of `hono/cors` for speed: that middleware touches `c.res` before the
 * handler runs, so Hono later merges two responses with `new Response(body, res)`, which
 * turns @hono/node-server's lightweight response into a streamed one on every request
 * (about 40 % of /authorize's throughput, bench/PROFILE.md). Here every header is prepared
 * with `c.header()` before `next()`, and a request without an allowed `Origin` pays one
 * header lookup.
 */
export function allowedOriginsCors(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    // Answers differ by Origin, so a shared cache must key on it, whatever this one says.
    c.header("Vary", "Origin");
    const origin = c.req.header("origin");
    if (origin === undefined || !allowed.has(origin)) return next();
    c.header("Access-Control-Allow-Origin", origin);
    c.header("Access-Control-Allow-Credentials", "true");
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      c.header("Access-Control-Allow-Methods", ALLOW_METHODS);
      c.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
      c.header("Access-Control-Max-Age", MAX_AGE_S);
      return c.body(null, 204);
    }
    await next();
    // A handler that returns a Response of its own (the proxy) drops prepared headers.
    if (!c.res.headers.has("access-control-allow-origin")) {
      c.res.headers.set("Access-Control-Allow-Origin", origin);
      c.res.headers.set("Access-Control-Allow-Credentials", "true");
      c.res.headers.append("Vary", "Origin");
    }
  };
}
