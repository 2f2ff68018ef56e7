import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import type { TokenErrorCode } from "./stats.js";

/** Hono environment of every emulator route. `incoming` is absent when used in-process. */
export interface AppEnv {
  Bindings: Partial<HttpBindings>;
}

/** Largest request body the emulator reads; bigger ones get 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Multipart bodies on API paths carry audio and artwork (track uploads), so they may be bigger. */
export const MAX_UPLOAD_BYTES = 128 * 1024 * 1024;

const JSON_TYPE = "application/json; charset=utf-8";
const API_DOCS_LINK = "https://developers.soundcloud.com/docs/api/explorer/open-api";
const RATE_LIMIT_LINK = "https://developers.soundcloud.com/docs/api/rate-limits#errors";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": JSON_TYPE, ...headers },
  });
}

/** `{error, message}`: the answer of control and OAuth-side paths to bad input. */
export function plainError(status: number, error: string, message: string): Response {
  return json({ error, message }, status);
}

/**
 * An OAuth token-endpoint error (RFC 6749 §5.2). The description is fixed text
 * chosen by the caller; it never echoes a token, code, verifier or secret.
 */
export function oauthError(
  error: TokenErrorCode,
  description?: string,
  headers: Record<string, string> = {},
): Response {
  const status = error === "invalid_client" ? 401 : error === "rate_limit_exceeded" ? 429 : 400;
  const body = description ? { error, error_description: description } : { error };
  return json(body, status, { "cache-control": "no-store", pragma: "no-cache", ...headers });
}

/** SoundCloud's Error schema: `{code, message, link, status, errors, error}`. */
export interface SoundCloudError {
  code: number;
  message: string;
  link: string;
  status: string;
  errors: { error_message: string }[];
  /** Deprecated in SoundCloud's schema; here a short machine code, handy for `{error, message}` checks. */
  error: string;
}

export function soundcloudErrorBody(status: number, message: string): SoundCloudError {
  const reason = STATUS_CODES[status] ?? "Error";
  return {
    code: status,
    message,
    link: status === 429 ? RATE_LIMIT_LINK : API_DOCS_LINK,
    status: `${status} - ${reason}`,
    errors: [{ error_message: message }],
    error: reason.toLowerCase().replace(/[^a-z]+/g, "_"),
  };
}

export function soundcloudError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(soundcloudErrorBody(status, message), status, headers);
}

/**
 * Paths served by the "secure.soundcloud.com" side or the control surface answer
 * errors as `{error, message}`; everything else is the API and answers in
 * SoundCloud's Error shape.
 */
export function isApiPath(path: string): boolean {
  return !(
    path.startsWith("/_emulator/") ||
    path === "/_emulator" ||
    path === "/authorize" ||
    path === "/oauth/token" ||
    path === "/sign-out"
  );
}

/** An error in the shape that fits the path it answers. */
export function errorForPath(path: string, status: number, error: string, message: string) {
  return isApiPath(path) ? soundcloudError(status, message) : plainError(status, error, message);
}

/**
 * Request bodies are read once, capped at MAX_BODY_BYTES, by `limitBody` (the
 * first middleware to touch a body) and kept here for the route that parses it.
 */
const BODIES = new WeakMap<Request, Uint8Array>();

type Capped = Uint8Array | "too_large" | "unreadable";

async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<Capped> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > cap) {
        await reader.cancel().catch(() => {});
        return "too_large";
      }
      chunks.push(value);
    }
  } catch {
    return "unreadable";
  }
  return Buffer.concat(chunks);
}

/**
 * Middleware: 413 for bodies over the limit (declared or streamed), 400 for
 * bodies that cannot be read. Reads into memory instead of rebuilding the
 * Request, so it works whichever Request class the server hands over.
 */
export const limitBody: MiddlewareHandler = async (c, next) => {
  const declared = c.req.header("content-length");
  const cap = bodyCap(c.req.path, c.req.header("content-type"));
  const tooLarge = () =>
    errorForPath(c.req.path, 413, "payload_too_large", `bodies are limited to ${cap} bytes`);
  if (declared !== undefined && Number(declared) > cap) return tooLarge();
  const stream = c.req.raw.body;
  if (stream) {
    const bytes = await readCapped(stream, cap);
    if (bytes === "too_large") return tooLarge();
    if (bytes === "unreadable") {
      return errorForPath(c.req.path, 400, "invalid_request", "could not read the request body");
    }
    BODIES.set(c.req.raw, bytes);
  }
  await next();
};

function bodyCap(path: string, contentType: string | undefined): number {
  return isApiPath(path) && mediaType(contentType) === "multipart/form-data"
    ? MAX_UPLOAD_BYTES
    : MAX_BODY_BYTES;
}

export type BytesResult = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

/** The raw body bytes (read once by limitBody, or here with the same cap). */
export async function readBodyBytes(c: Context): Promise<BytesResult> {
  const kept = BODIES.get(c.req.raw);
  if (kept !== undefined) return { ok: true, bytes: kept };
  // Not behind limitBody (a route used on its own): read with the same cap.
  const stream = c.req.raw.body;
  const cap = bodyCap(c.req.path, c.req.header("content-type"));
  const read = stream ? await readCapped(stream, cap) : new Uint8Array();
  if (read === "too_large") return { ok: false, message: "request body too large" };
  if (read === "unreadable") return { ok: false, message: "could not read the request body" };
  BODIES.set(c.req.raw, read);
  return { ok: true, bytes: read };
}

export type BodyResult = { ok: true; text: string } | { ok: false; message: string };

/** The body as strict UTF-8 (invalid bytes are a client error, not replacement characters). */
export async function readBodyText(c: Context): Promise<BodyResult> {
  const read = await readBodyBytes(c);
  if (!read.ok) return read;
  const bytes = read.bytes;
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, message: "request body is not valid UTF-8" };
  }
}

export type FormResult = { ok: true; params: Map<string, string> } | { ok: false; message: string };

/**
 * Parses `application/x-www-form-urlencoded` strictly: malformed percent-encoding
 * and repeated parameters are errors (RFC 6749 §3.1: parameters MUST NOT be
 * included more than once).
 */
export function parseForm(text: string): FormResult {
  const params = new Map<string, string>();
  if (text === "") return { ok: true, params };
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const name = formDecode(rawName);
    const value = formDecode(rawValue);
    if (name === null || value === null) {
      return { ok: false, message: "malformed percent-encoding in the form body" };
    }
    if (params.has(name)) return { ok: false, message: `parameter ${name} is repeated` };
    params.set(name, value);
  }
  return { ok: true, params };
}

/** Form-decodes one component; null when its percent-encoding is malformed. */
export function formDecode(component: string): string | null {
  try {
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: "the body is not valid JSON" };
  }
}

/** Reads a JSON body; an empty body is `empty` when given, else an error. */
export async function readJson(c: Context, empty?: unknown): Promise<JsonResult> {
  const body = await readBodyText(c);
  if (!body.ok) return body;
  if (body.text.trim() === "") {
    return empty === undefined
      ? { ok: false, message: "a JSON body is required" }
      : { ok: true, value: empty };
  }
  return parseJson(body.text);
}

/** A timer that never keeps the process alive on its own. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Origin for absolute URLs: the configured public URL, else the request's own origin. */
export function originOf(c: Context, publicUrl: string | undefined): string {
  return publicUrl ?? new URL(c.req.url).origin;
}

/** The peer address, for per-IP limits. In-process requests share one bucket. */
export function clientIp(c: Context): string {
  return socketOf(c)?.remoteAddress ?? "in-process";
}

/** The TCP socket under a request; undefined in-process (`app.fetch` without the Node server). */
export function socketOf(c: Context): Socket | undefined {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming?.socket;
}
