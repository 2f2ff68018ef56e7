import type { MiddlewareHandler } from "hono";

/** Auth responses carry tokens or lead to them: never cache them, never leak the URL onward. */
export function authResponseHeaders(): MiddlewareHandler {
  // Set before the handler runs, so they join the response as it is built (and error
  // responses from onError) instead of forcing a copy of a finished response.
  return async (c, next) => {
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    await next();
  };
}

/**
 * For the HTML the gateway serves (its own pages or a built front end). Scripts and
 * styles only from here; the page may call the SoundCloud API origin directly (the
 * Starlib-style mode) and show its images.
 */
export function pageHeaders(apiUrl: string): MiddlewareHandler {
  const api = new URL(apiUrl).origin;
  const csp = [
    "default-src 'self'",
    `img-src 'self' data: https: ${api}`,
    `connect-src 'self' ${api}`,
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self' 'unsafe-inline'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return async (c, next) => {
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", csp);
    await next();
  };
}
