import type { Context } from "hono";

const ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE";
const ALLOW_HEADERS =
  "Content-Type, X-Soundgate-Result-Verifier, X-Soundgate-Result-Key, X-Soundgate-CSRF, DPoP";
const MAX_AGE_S = "600";

/**
 * CORS for the auth and proxy routes: credentials, and only for origins on the allowlist.
 * The edge middleware (edge.ts) calls these; `Vary: Origin` is among the headers every
 * such answer gets there.
 *
 * Written here instead of `hono/cors` for speed: that middleware touches `c.res` before the
 * handler runs, so Hono later merges two responses with `new Response(body, res)`, which
 * turns a text answer into a streamed one on every request
 * (about 40 % of /authorize's throughput, bench/PROFILE.md). A request without an allowed
 * `Origin` pays one header lookup.
 */
export function allowedOrigin(c: Context, allowed: ReadonlySet<string>): string | undefined {
  const origin = c.req.header("origin");
  return origin !== undefined && allowed.has(origin) ? origin : undefined;
}

/** The answer to a preflight from an allowed origin; undefined for any other request. */
export function preflightAnswer(c: Context, origin: string): Response | undefined {
  if (c.req.method !== "OPTIONS" || !c.req.header("access-control-request-method")) {
    return undefined;
  }
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Access-Control-Allow-Credentials", "true");
  c.header("Access-Control-Allow-Methods", ALLOW_METHODS);
  c.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
  c.header("Access-Control-Max-Age", MAX_AGE_S);
  return c.body(null, 204);
}

/** Lets the allowed `origin` read this answer, with its cookies. */
export function allowOrigin(headers: Headers, origin: string): void {
  headers.set("Access-Control-Allow-Origin", origin);
  headers.set("Access-Control-Allow-Credentials", "true");
}
