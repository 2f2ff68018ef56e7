import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HttpError } from "./errors.js";
import type { Shape } from "./shapes.js";

// Not hono/validator: its "json" target passes {} on for a wrong content type (we answer
// 415) and throws its own 400 for broken JSON (we answer invalid_json), and its "query"
// target turns a repeated parameter into an array; one call per route here is as short.

/** Query parameters → typed input, or a 400 that names the offending parameter. */
export function parseQuery<T>(c: Context, schema: Shape<T>): T {
  return check(schema, c.req.query(), "query parameter");
}

/** Request headers (lower-case names) → typed input, or a 400 that names the header. */
export function parseHeaders<T>(c: Context, schema: Shape<T>): T {
  return check(schema, c.req.header(), "header");
}

export const MAX_BODY_BYTES = 16 * 1024;

/**
 * For routes with a JSON body, before the handler: 413 for a body over MAX_BODY_BYTES,
 * by its Content-Length or, sent chunked, passed as it arrives (hono/body-limit).
 */
export function jsonBodyLimit(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HttpError(
        413,
        "payload_too_large",
        `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
      );
    },
  });
  return async (c, next) => {
    let withinLimit = false;
    try {
      return await limit(c, () => {
        withinLimit = true;
        return next();
      });
    } catch (error) {
      // A chunked body that fails while being counted: the client's cut-off body, not ours.
      if (withinLimit || error instanceof HttpError) throw error;
      throw aborted();
    }
  };
}

/**
 * A JSON body → typed input. Wrong content type 415, broken JSON 400, wrong shape 400.
 * The route puts jsonBodyLimit() before it.
 */
export async function parseJsonBody<T>(c: Context, schema: Shape<T>): Promise<T> {
  const type = c.req.header("content-type") ?? "";
  // Requiring application/json also forces a CORS preflight for cross-origin callers.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json");
  }
  let text: string;
  try {
    // Invalid UTF-8 becomes U+FFFD, and JSON.parse then decides: never a crash.
    text = await c.req.text();
  } catch {
    // The client went away, or the server cut a body that took too long (node-server.ts).
    throw aborted();
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  return check(schema, body, "field");
}

function aborted(): HttpError {
  return new HttpError(400, "request_aborted", "The request body was cut off");
}

function check<T>(schema: Shape<T>, value: unknown, what: string): T {
  const result = schema.check(value);
  if (result.ok) return result.value;
  const message = result.path ? `${what} "${result.path}": ${result.message}` : result.message;
  throw new HttpError(400, "invalid_request", message);
}
