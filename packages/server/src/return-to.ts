// Where the gateway may send a browser back to: exact URLs (web pages, the gateway's done
// page, a desktop app's private-use scheme) and loopback addresses on any port for native
// apps (RFC 8252 §7.3). Anything else is a 400 at /authorize, never a redirect.

/** An allowed loopback entry (port `*`, e.g. http://127.0.0.1:{any}/path or [::1]): any port, the rest exact. */
export interface LoopbackReturnTo {
  hostname: "127.0.0.1" | "[::1]";
  /** Path, query and fragment as the URL API spells them. */
  rest: string;
}

export interface ReturnToAllowlist {
  /** Normalized hrefs, matched exactly. */
  exact: ReadonlySet<string>;
  loopback: readonly LoopbackReturnTo[];
}

export type ReturnToEntry =
  | { kind: "exact"; href: string }
  | { kind: "loopback"; pattern: LoopbackReturnTo }
  | { kind: "invalid"; reason: string };

/**
 * Schemes a browser handles itself (or that run code): never an app's private-use scheme.
 * RFC 8252 §7.1 asks apps for a reverse-domain scheme (`com.example.app:`); Tauri's own
 * `tauri:` and older single-word app schemes are accepted too, listed exactly.
 */
const NOT_PRIVATE_USE = new Set([
  "javascript:",
  "data:",
  "file:",
  "blob:",
  "about:",
  "vbscript:",
  "filesystem:",
  "ws:",
  "wss:",
  "ftp:",
  "view-source:",
  "intent:",
  "chrome:",
  "chrome-extension:",
  "moz-extension:",
  "mailto:",
  "tel:",
  "sms:",
]);

const LOOPBACK_WILDCARD = /^http:\/\/(127\.0\.0\.1|\[::1\]):\*(?=[/?#]|$)/i;

/** One configured entry of SOUNDGATE_ALLOWED_RETURN_TO. */
export function parseReturnToEntry(value: string): ReturnToEntry {
  const wildcard = LOOPBACK_WILDCARD.exec(value);
  if (wildcard) {
    const rest = value.slice(wildcard[0].length);
    if (rest.includes("*")) return { kind: "invalid", reason: STAR_ONLY_AS_LOOPBACK_PORT };
    // Any concrete port stands in for `*` while the URL API normalizes the rest.
    const url = parseUrl(`http://${wildcard[1]}:1${rest}`);
    if (!url) return { kind: "invalid", reason: "is not a valid URL" };
    return {
      kind: "loopback",
      pattern: {
        hostname: url.hostname as LoopbackReturnTo["hostname"],
        rest: url.pathname + url.search + url.hash,
      },
    };
  }
  if (value.includes("*")) {
    return {
      kind: "invalid",
      reason: /^http:\/\/localhost:\*/i.test(value)
        ? "use http://127.0.0.1:*/… (or [::1]): a loopback wildcard needs an IP literal, not localhost (RFC 8252 §8.3)"
        : STAR_ONLY_AS_LOOPBACK_PORT,
    };
  }
  const href = normalizeReturnTo(value);
  if (!href) {
    return {
      kind: "invalid",
      reason:
        "is not an absolute http(s) URL or an app's private-use scheme URL (like com.example.app:/callback)",
    };
  }
  return { kind: "exact", href };
}

const STAR_ONLY_AS_LOOPBACK_PORT =
  "* is allowed only as the port of a loopback address: http://127.0.0.1:*/path or http://[::1]:*/path (RFC 8252 §7.3)";

/** The one spelling of a return_to URL, used in the allowlist and for lookups. */
export function normalizeReturnTo(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url || url.username || url.password) return undefined;
  if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  if (!isPrivateUseScheme(url.protocol)) return undefined;
  return url.href;
}

/** The allowed URL `value` names (normalized), or undefined when it is not allowed. */
export function matchReturnTo(list: ReturnToAllowlist, value: string): string | undefined {
  const href = normalizeReturnTo(value);
  if (!href) return undefined;
  if (list.exact.has(href)) return href;
  const url = new URL(href);
  if (url.protocol !== "http:") return undefined;
  const rest = url.pathname + url.search + url.hash;
  const loopback = list.loopback.some((p) => p.hostname === url.hostname && p.rest === rest);
  return loopback ? href : undefined;
}

/**
 * The Origin a browser sends from pages at this return_to, when it has one: http(s)
 * origins, and `scheme://host` for a private-use scheme with a host (`tauri://localhost`).
 */
export function originOf(href: string): string | undefined {
  const url = new URL(href);
  if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
  return url.host ? `${url.protocol}//${url.host}` : undefined;
}

export function isPrivateUseScheme(protocol: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:$/.test(protocol) &&
    protocol !== "http:" &&
    protocol !== "https:" &&
    !NOT_PRIVATE_USE.has(protocol)
  );
}

function parseUrl(value: string): URL | undefined {
  return URL.canParse(value) ? new URL(value) : undefined;
}
