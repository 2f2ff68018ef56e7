import type { Context, MiddlewareHandler } from "hono";
import type { GatewayConfig } from "../config.js";
import { HttpError } from "./errors.js";

export const CSRF_HEADER = "x-soundgate-csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * For cookie-authenticated state changes: a custom header (which a cross-site form or
 * simple request cannot send without a CORS preflight we would refuse) and an Origin
 * that is the gateway's own or an allowed one. Throws a 403 HttpError otherwise.
 */
export function csrfCheck(config: GatewayConfig): (c: Context) => void {
  const allowed = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins]);
  return (c) => {
    if (SAFE.has(c.req.method)) return;
    if (!c.req.header(CSRF_HEADER)) {
      throw new HttpError(
        403,
        "csrf_rejected",
        `State-changing requests need the ${CSRF_HEADER} header`,
      );
    }
    const origin = c.req.header("origin");
    if (!origin || !allowed.has(origin)) {
      throw new HttpError(403, "csrf_rejected", "This request's Origin is not allowed");
    }
  };
}

/** csrfCheck as a middleware (the proxy calls the check itself: one hop less per call). */
export function csrfGuard(config: GatewayConfig): MiddlewareHandler {
  const check = csrfCheck(config);
  return async (c, next) => {
    check(c);
    await next();
  };
}
