import type { Context } from "hono";
import type { z } from "zod";
import { HttpError } from "./errors.js";

/** Query parameters → typed input, or a 400 that names the offending parameter. */
export function parseQuery<T>(c: Context, schema: z.ZodType<T>): T {
  return check(schema, c.req.query(), "query parameter");
}

/** A JSON body → typed input. Wrong content type 415, broken JSON 400, wrong shape 400. */
export async function parseJsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const type = c.req.header("content-type") ?? "";
  // Requiring application/json also forces a CORS preflight for cross-origin callers.
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as application/json");
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON");
  }
  return check(schema, body, "field");
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join(".");
  const message = path
    ? `${what} "${path}": ${issue?.message}`
    : (issue?.message ?? "invalid input");
  throw new HttpError(400, "invalid_request", message);
}
