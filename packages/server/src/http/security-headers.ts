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

/** For the small HTML pages the gateway serves. */
export function pageHeaders(): MiddlewareHandler {
  return async (c, next) => {
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    await next();
  };
}
