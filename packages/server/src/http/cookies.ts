import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { parse } from "hono/utils/cookie";
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

/** What the gateway's own cookie values are made of: base64url, nothing to decode. */
const PLAIN_VALUE = /^[A-Za-z0-9_-]+$/;

/**
 * The value of cookie `name` in a Cookie header. The gateway's own values (base64url) are
 * read with one scan of the header, as hono/cookie would read them; anything else
 * (quoted, escaped, odd bytes) goes to hono/cookie's parser itself, whose regexes and URI
 * decode per cookie showed in the proxy's profile.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const value = firstCookie(header, name);
  return value !== undefined && PLAIN_VALUE.test(value) ? value : parse(header, name)[name];
}

/** The raw value of the first `name=…` pair in a Cookie header, trimmed of spaces and tabs. */
export function firstCookie(header: string, name: string): string | undefined {
  let from = 0;
  while (from < header.length) {
    const semicolon = header.indexOf(";", from);
    const end = semicolon === -1 ? header.length : semicolon;
    const equals = header.indexOf("=", from);
    if (equals !== -1 && equals < end && trimmed(header, from, equals) === name) {
      return trimmed(header, equals + 1, end);
    }
    from = end + 1;
  }
  return undefined;
}

function trimmed(text: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && isBlank(text.charCodeAt(from))) from++;
  while (to > from && isBlank(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
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
