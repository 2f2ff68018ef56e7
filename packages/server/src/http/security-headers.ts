import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { donePage } from "../pages/done.js";
import { homePage } from "../pages/home.js";
import { loginExpiredPage } from "../pages/login-expired.js";

/** NOTHING as a header value: for answers that are not pages (JSON, errors, assets). */
export const NOTHING_CSP =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Proxied API bodies: an upstream HTML page must not run as a page of our origin. */
export const SANDBOXED_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

export const ONE_YEAR_S = 365 * 24 * 3600;

/** A set of response headers, written once at start and reused by every request. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * On every answer: no sniffing, no referrer, no framing, a CSP that allows nothing
 * (pages set their own), cross-origin isolation of our windows and resources, and HSTS
 * when the gateway is public on https (on plain http a browser ignores it, but a
 * developer's localhost would be pinned). The same set hono/secure-headers made, as
 * constants: that middleware rebuilt and validated a dozen headers on every answer.
 */
export function securityHeaderList(config: { publicUrl: string }): HeaderList {
  const https = config.publicUrl.startsWith("https:");
  return [
    ["Content-Security-Policy", NOTHING_CSP],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    ["Cross-Origin-Resource-Policy", "same-origin"],
    ["Origin-Agent-Cluster", "?1"],
    ["Referrer-Policy", "no-referrer"],
    ...(https
      ? [["Strict-Transport-Security", `max-age=${ONE_YEAR_S}; includeSubDomains`] as const]
      : []),
    ["X-Content-Type-Options", "nosniff"],
    ["X-DNS-Prefetch-Control", "off"],
    ["X-Download-Options", "noopen"],
    ["X-Frame-Options", "DENY"],
    ["X-Permitted-Cross-Domain-Policies", "none"],
    ["X-XSS-Protection", "0"],
  ];
}

/**
 * Auth and proxy answers carry tokens or lead to them: never cached. They differ by
 * Origin (CORS), so a shared cache must key on it whatever this one says.
 */
export const AUTH_RESPONSE_HEADERS: HeaderList = [
  ["Cache-Control", "no-store"],
  ["Pragma", "no-cache"],
  ["Vary", "Origin"],
];

/**
 * Adds each header of `list` the answer does not have yet: a route's own header (a page's
 * CSP, the proxy's Cache-Control) wins.
 */
export function addMissing(headers: Headers, list: HeaderList): void {
  for (const [name, value] of list) if (!headers.has(name)) headers.set(name, value);
}

/** `lists` as one plain object (later lists win), for answers built in one go. */
export function headerObject(...lists: HeaderList[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (const list of lists) for (const [name, value] of list) object[name] = value;
  return object;
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
