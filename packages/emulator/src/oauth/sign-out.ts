import { Hono } from "hono";
import {
  type AppEnv,
  json,
  mediaType,
  parseForm,
  parseJson,
  plainError,
  readBodyText,
} from "../http.js";
import type { EmulatorState } from "../state.js";
import { isPlainObject } from "../validate.js";

/**
 * secure.soundcloud.com/sign-out: `{"access_token": "..."}` (JSON, or a form)
 * revokes the whole grant behind the token, refresh token included, even when
 * the access token has already expired. An unknown token also gets 200: signing
 * out is idempotent and the answer must not reveal whether a token existed.
 */
export function signOutRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/sign-out", async (c) => {
    state.stats.sign_outs += 1;
    const body = await readBodyText(c);
    if (!body.ok) return plainError(400, "invalid_request", body.message);
    const token = extractToken(mediaType(c.req.header("content-type")), body.text);
    if (typeof token !== "string") return plainError(400, "invalid_request", token.message);
    state.grants.revokeByAccessToken(token);
    return json({ status: "200 - OK" }, 200, { "cache-control": "no-store" });
  });

  return app;
}

function extractToken(type: string, text: string): string | { message: string } {
  const missing = { message: 'send {"access_token": "..."} as JSON or a form' };
  if (type === "application/x-www-form-urlencoded") {
    const form = parseForm(text);
    if (!form.ok) return { message: form.message };
    return form.params.get("access_token") || missing;
  }
  if (type === "application/json" || type === "") {
    const parsed = parseJson(text);
    if (!parsed.ok) return { message: parsed.message };
    const token = isPlainObject(parsed.value) ? parsed.value.access_token : undefined;
    return typeof token === "string" && token !== "" ? token : missing;
  }
  return { message: "the body must be JSON or a form" };
}
