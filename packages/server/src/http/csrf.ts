import type { MiddlewareHandler } from "hono";
import type { GatewayConfig } from "../config.js";
import { HttpError } from "./errors.js";

export const CSRF_HEADER = "x-soundgate-csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** What the check reads of a request: Hono's `c.req`, or the proxy's own view of one. */
export interface CsrfInput {
  readonly method: string;
  header(name: string): string | undefined;
}

/**
 * For cookie-authenticated state changes: a custom header (which a cross-site form or
 * simple request cannot send without a CORS preflight we would refuse) and an Origin
 * that is the gateway's own or an allowed one. Throws a 403 HttpError otherwise.
 */
export function csrfCheck(config: GatewayConfig): (request: CsrfInput) => void {
  const allowed = new Set([new URL(config.publicUrl).origin, ...config.allowedOrigins]);
  return (request) => {
    if (SAFE.has(request.method)) return;
    if (!request.header(CSRF_HEADER)) {
      throw new HttpError(
        403,
        "csrf_rejected",
        `State-changing requests need the ${CSRF_HEADER} header`,
      );
    }
    const origin = request.header("origin");
    if (!origin || !allowed.has(origin)) {
      throw new HttpError(403, "csrf_rejected", "This request's Origin is not allowed");
    }
  };
}

/** csrfCheck as a middleware (the proxy calls the check itself: one hop less per call). */
export function csrfGuard(config: GatewayConfig): MiddlewareHandler {
  const check = csrfCheck(config);
  return async (c, next) => {
    check(c.req);
    await next();
  };
}
