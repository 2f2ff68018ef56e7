import { STATUS_CODES } from "node:http";
import { NOTHING_CSP, ONE_YEAR_S } from "./security-headers.js";

/**
 * The headers of an error the Node server answers itself, outside the app: the same as
 * the app's JSON errors carry (see security-headers.ts), and the connection closes.
 */
export function jsonErrorHeaders(https: boolean): Record<string, string> {
  return {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": NOTHING_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    ...(https ? { "Strict-Transport-Security": `max-age=${ONE_YEAR_S}; includeSubDomains` } : {}),
    Connection: "close",
  };
}

/**
 * How errors answered outside the app look: HSTS on https, and under the Starlib profile
 * FastAPI's `detail` beside error and message, as in every answer of the app.
 */
export interface RawErrorStyle {
  https: boolean;
  detail: boolean;
}

/** The JSON body of an error answered outside the app. */
export function rawErrorBody(error: string, message: string, style: RawErrorStyle): string {
  return JSON.stringify(style.detail ? { error, message, detail: message } : { error, message });
}

/** A complete HTTP/1.1 answer `{error, message}`, for writing straight to a socket. */
export function rawJsonError(
  status: number,
  error: string,
  message: string,
  style: RawErrorStyle,
  extra: Record<string, string> = {},
): Buffer {
  const body = Buffer.from(rawErrorBody(error, message, style), "utf8");
  const headers = {
    ...jsonErrorHeaders(style.https),
    ...extra,
    "Content-Length": String(body.length),
  };
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}
