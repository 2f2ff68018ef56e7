/**
 * Label values for HTTP facts, each from a small fixed set: whatever a client or
 * SoundCloud sends, the number of series stays bounded.
 */

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]);

/** Codes worth telling apart on a dashboard; the rest are counted by class. */
const CODES = new Set([
  200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409, 413,
  415, 422, 429, 500, 502, 503, 504,
]);

export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : "other";
}

/** The status code itself when common, else its class (`4xx`); `other` outside 100-599. */
export function codeLabel(status: number): string {
  if (CODES.has(status)) return String(status);
  return statusClass(status);
}

export function statusClass(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599
    ? `${Math.floor(status / 100)}xx`
    : "other";
}
