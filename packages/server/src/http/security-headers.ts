import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { GatewayConfig } from "../config.js";
import { donePage } from "../pages/done.js";
import { homePage } from "../pages/home.js";
import { loginExpiredPage } from "../pages/login-expired.js";

/**
 * For answers that are not pages (JSON, errors, assets): nothing may load from them and
 * nothing may frame them, should a browser ever be made to render one.
 */
const NOTHING = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/** NOTHING as a header value, for answers written outside the app (raw-error.ts). */
export const NOTHING_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Proxied API bodies: an upstream HTML page must not run as a page of our origin. */
export const SANDBOXED_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

export const ONE_YEAR_S = 365 * 24 * 3600;

/**
 * On every answer: no sniffing, no referrer, no framing, a CSP that allows nothing
 * (pages set their own below), cross-origin isolation of our windows and resources, and
 * HSTS when the gateway is public on https. Route-specific headers win (they are set
 * first; this never overwrites).
 */
export function securityHeaders(config: GatewayConfig): MiddlewareHandler {
  const https = config.publicUrl.startsWith("https:");
  return secureHeaders({
    contentSecurityPolicy: NOTHING,
    // On plain http a browser ignores it, but a developer's localhost would be pinned.
    strictTransportSecurity: https ? `max-age=${ONE_YEAR_S}; includeSubDomains` : false,
    xFrameOptions: "DENY",
    overwrite: false,
  });
}

/** Auth responses carry tokens or lead to them: never cache them. */
export function authResponseHeaders(): MiddlewareHandler {
  // Set before the handler runs, so they join the response as it is built (and error
  // responses from onError) instead of forcing a copy of a finished response.
  return async (c, next) => {
    c.header("Cache-Control", "no-store");
    c.header("Pragma", "no-cache");
    await next();
  };
}

/**
 * A front end served with --static (the demo): its scripts and styles are files from
 * here, never inline; it may call the SoundCloud API origin directly (the Starlib-style
 * mode) and show images from anywhere on https (SoundCloud's artwork CDN).
 */
export function staticPageHeaders(apiUrl: string): MiddlewareHandler {
  return cspHeader(pageCsp(apiUrl, { scripts: ["'self'"], styles: ["'self'"] }));
}

/**
 * The gateway's own pages (pages/*.ts) carry their script and style inline; the CSP
 * allows exactly those blocks by hash, computed from their rendering at start.
 */
export function builtInPageHeaders(apiUrl: string): MiddlewareHandler {
  return cspHeader(builtInPageCsp(apiUrl));
}

/** builtInPageHeaders' policy, for a route that answers a page only sometimes. */
export function builtInPageCsp(apiUrl: string): string {
  const pages = [homePage(), donePage({ bound: true }), loginExpiredPage("/")].map(inlineHashes);
  const unique = (list: string[]) => [...new Set(list)];
  return pageCsp(apiUrl, {
    scripts: unique(pages.flatMap((page) => page.scripts)),
    styles: unique(pages.flatMap((page) => page.styles)),
  });
}

function cspHeader(csp: string): MiddlewareHandler {
  return async (c, next) => {
    c.header("Content-Security-Policy", csp);
    await next();
  };
}

function pageCsp(apiUrl: string, sources: { scripts: string[]; styles: string[] }): string {
  const api = new URL(apiUrl).origin;
  return [
    "default-src 'none'",
    `script-src ${sources.scripts.join(" ")}`,
    `style-src ${sources.styles.join(" ")}`,
    `img-src 'self' data: https: ${api}`,
    `connect-src 'self' ${api}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
}

/** CSP hash sources of every inline <script> and <style> block of a page we render. */
export function inlineHashes(html: string): { scripts: string[]; styles: string[] } {
  const hashes = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g"))]
      .map((match) => match[1] ?? "")
      .filter((body) => body.length > 0)
      .map((body) => `'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
  return { scripts: hashes("script"), styles: hashes("style") };
}
