import type { Context } from "hono";
import { HttpError } from "./errors.js";
import type { Shape } from "./shapes.js";

/** Query parameters → typed input, or a 400 that names the offending parameter. */
export function parseQuery<T>(c: Context, schema: Shape<T>): T {
  return check(schema, c.req.query(), "query parameter");
}

/** Request headers (lower-case names) → typed input, or a 400 that names the header. */
export function parseHeaders<T>(c: Context, schema: Shape<T>): T {
  return check(schema, c.req.header(), "header");
}

/** A JSON body → typed input. Wrong content type 415, broken JSON 400, wrong shape 400. */
export async function parseJsonBody<T>(c: Context, schema: Shape<T>): Promise<T> {
  const type = c.req.header("content-type") ?? "";
  // Requiring application/json also forces a CORS preflight for cross-origin callers.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json");
  }
  const text = await readBodyText(c.req.raw, MAX_BODY_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  return check(schema, body, "field");
}

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The body as text, refusing (413) more than `limit` bytes whether or not a
 * Content-Length was sent: a chunked upload is counted as it arrives.
 */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch {
      // The client went away, or the server cut a body that took too long (node-server.ts).
      throw new HttpError(400, "request_aborted", "The request body was cut off");
    }
    const { done, value } = read;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  // Invalid UTF-8 becomes U+FFFD, and JSON.parse then decides: never a crash.
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "payload_too_large", `Request bodies are limited to ${limit} bytes`);
}

function check<T>(schema: Shape<T>, value: unknown, what: string): T {
  const result = schema.check(value);
  if (result.ok) return result.value;
  const message = result.path ? `${what} "${result.path}": ${result.message}` : result.message;
  throw new HttpError(400, "invalid_request", message);
}
