import type { MiddlewareHandler } from "hono";
import type { GatewayConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { PROXY_PREFIX } from "../routes/api-proxy.js";
import { allowedOrigin, allowOrigin, preflightAnswer } from "./cors.js";
import { isPrepared } from "./prepared-response.js";
import { AUTH_RESPONSE_HEADERS, addMissing, securityHeaderList } from "./security-headers.js";

/**
 * What every request gets, in one middleware: CORS on the auth and proxy paths, the
 * security headers on every answer (and no-store + `Vary: Origin` on the auth and proxy
 * ones), and a log line of method, path and status.
 *
 * It was five middlewares (the log line, hono/secure-headers, CORS, the no-store headers,
 * and a rate limit that was off), each an `async` hop on every request; and the headers
 * were set one by one on every answer. Now they are added after the handler, only where
 * missing, so a route's own header wins; answers built whole (prepared-response.ts: the
 * proxy, /authorize) already carry them and are left alone.
 */
export function edge(config: GatewayConfig, logger: Logger): MiddlewareHandler {
  const everywhere = securityHeaderList(config);
  const guarded = [...everywhere, ...AUTH_RESPONSE_HEADERS];
  const allowed = config.allowedOrigins;
  return async (c, next) => {
    const started = performance.now();
    const path = c.req.path;
    const auth = isAuthOrProxyPath(path);
    const origin = auth && allowed.size > 0 ? allowedOrigin(c, allowed) : undefined;
    const preflight = origin === undefined ? undefined : preflightAnswer(c, origin);
    if (preflight) c.res = preflight;
    else await next();
    const response = c.res;
    if (!isPrepared(response)) addMissing(response.headers, auth ? guarded : everywhere);
    if (origin !== undefined && !preflight) allowOrigin(response.headers, origin);
    logRequest(logger, c.req.method, path, response.status, started);
  };
}

/** A request's log line; `started` is its `performance.now()` on arrival. */
export function logRequest(
  logger: Logger,
  method: string,
  path: string,
  status: number,
  started: number,
): void {
  // Path only: the query carries codes and states.
  logger.info({ method, path, status, ms: Math.round(performance.now() - started) }, "request");
}

/** /auth/* and the API proxy: answers with tokens or that lead to them, open to CORS. */
export function isAuthOrProxyPath(path: string): boolean {
  return (
    path.startsWith("/auth/") ||
    path === "/auth" ||
    path.startsWith(`${PROXY_PREFIX}/`) ||
    path === PROXY_PREFIX
  );
}
