import type { MiddlewareHandler } from "hono";
import type { GatewayConfig } from "../config.js";
import { HttpError } from "./errors.js";

export const CSRF_HEADER = "x-soundgate-csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * For cookie-authenticated state changes: a custom header (which a cross-site form or
 * simple request cannot send without a CORS preflight we would refuse) and an Origin
 * that is the gateway's own or an allowed one.
 */
export function csrfGuard(config: GatewayConfig): MiddlewareHandler {
  const allowed = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins]);
  return async (c, next) => {
    if (!SAFE.has(c.req.method)) {
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
    }
    await next();
  };
}
