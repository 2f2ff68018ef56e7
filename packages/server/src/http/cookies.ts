import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { GatewayConfig } from "../config.js";

/**
 * The BFF's cookies. On https they use the `__Host-` prefix (Secure, Path=/, no Domain:
 * the browser refuses them otherwise, so no subdomain can plant or read them). Plain
 * http is only sensible on localhost, where `__Host-`/Secure are not available
 * everywhere; there the same cookie goes without prefix and Secure, still HttpOnly,
 * SameSite=Lax, host-only.
 */
export function cookieNames(config: GatewayConfig): { session: string; login: string } {
  const secure = isSecure(config);
  return {
    session: secure ? "__Host-soundgate_session" : "soundgate_session",
    login: secure ? "__Host-soundgate_login" : "soundgate_login",
  };
}

export function writeCookie(
  c: Context,
  config: GatewayConfig,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  setCookie(c, name, value, {
    httpOnly: true,
    secure: isSecure(config),
    sameSite: "Lax",
    path: "/",
    maxAge: maxAgeSeconds,
  });
}

export function clearCookie(c: Context, config: GatewayConfig, name: string): void {
  deleteCookie(c, name, { path: "/", secure: isSecure(config), httpOnly: true, sameSite: "Lax" });
}

function isSecure(config: GatewayConfig): boolean {
  return config.publicUrl.startsWith("https:");
}
