import type { MiddlewareHandler } from "hono";
import type { GatewayConfig } from "../config.js";

/**
 * In development the gateway is public at a loopback URL (http://localhost:8787 by
 * default) while it listens on 127.0.0.1. Both names reach it, but only the public one
 * is an allowed origin, a cookie's host and the redirect URI SoundCloud knows: a login
 * started on the other name ends on `return_to_not_allowed` or loses its login cookie.
 * So a request on another loopback name for the same port is sent to the public origin
 * (307: same method, same body) instead of being half-served.
 *
 * Only then: never in production, never when the public URL is not plain-http loopback
 * (behind a proxy the Host header names the proxy's site, not ours), and never for
 * another port (a dev server on localhost:5173 proxying here keeps working).
 */
export function loopbackAliasRedirect(config: GatewayConfig): MiddlewareHandler | undefined {
  const isAlias = loopbackAlias(config);
  if (!isAlias) return undefined;
  const target = new URL(config.publicUrl);
  return async (c, next) => {
    if (!isAlias(c.req.header("host"))) return next();
    const url = new URL(c.req.url);
    c.header("Cache-Control", "no-store");
    return c.redirect(`${target.origin}${url.pathname}${url.search}`, 307);
  };
}

/**
 * Whether a request's Host header is another loopback name for the public URL's port
 * (one loopbackAliasRedirect sends on); undefined where no request is ever sent on.
 */
export function loopbackAlias(
  config: GatewayConfig,
): ((hostHeader: string | undefined) => boolean) | undefined {
  if (config.production) return undefined;
  const target = new URL(config.publicUrl);
  if (target.protocol !== "http:" || !isLoopbackName(target.hostname)) return undefined;
  const port = target.port || "80";
  const publicHost = target.host;
  return (header) => {
    // The public host as it is (every request in development): no URL to parse.
    if (header === publicHost || header === undefined) return false;
    const host = hostOf(header);
    if (!host || host.hostname === target.hostname || (host.port || "80") !== port) return false;
    return isLoopbackName(host.hostname);
  };
}

/** localhost, 127.0.0.0/8 and [::1]: names that can only mean this machine. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return (
    name === "localhost" || name === "[::1]" || /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(name)
  );
}

function hostOf(header: string | undefined): URL | undefined {
  if (!header || !URL.canParse(`http://${header}`)) return undefined;
  const url = new URL(`http://${header}`);
  // A Host header is a host and a port, nothing else.
  return url.username || url.password || url.pathname !== "/" ? undefined : url;
}
