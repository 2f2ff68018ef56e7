import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { UserRecord } from "../catalog.js";
import { serveFault } from "../faults.js";
import { type AppEnv, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";

/** Who is calling: the client, and the user when the token came from a user authorization. */
export interface Viewer {
  client_id: string;
  user: UserRecord | null;
}

/** Routes behind `anyToken` read `c.var.viewer`. */
export type TokenEnv = AppEnv & { Variables: { viewer: Viewer } };
/** Routes behind `userToken` also read `c.var.me`, which is never null there. */
export type UserEnv = AppEnv & { Variables: { viewer: Viewer; me: UserRecord } };

const CHALLENGE = { "www-authenticate": 'OAuth realm="SoundCloud", error="invalid_token"' };

function unauthorized(message: string): Response {
  return soundcloudError(401, message, CHALLENGE);
}

/**
 * The gate of every API route: serves a pending `api` fault, then authenticates
 * `Authorization: OAuth <token>` (or `Bearer`). Putting faults here means no
 * route can forget them.
 */
export function apiGuards(state: EmulatorState) {
  const authenticate = (header: string | undefined, url: string): Viewer | Response => {
    const query = new URL(url).searchParams;
    if (query.has("oauth_token") || query.has("access_token")) {
      return unauthorized(
        "access tokens are not accepted in the query string; send Authorization: OAuth <token>",
      );
    }
    if (!header) return unauthorized("missing Authorization header");
    const match = /^(?:oauth|bearer)\s+([^\s]+)\s*$/i.exec(header);
    const token = match?.[1];
    if (!token) return unauthorized("Authorization must be 'OAuth <token>' or 'Bearer <token>'");
    const check = state.grants.checkAccessToken(token);
    if (check.status === "expired") return unauthorized("access token expired");
    if (check.status !== "valid") return unauthorized("invalid access token");
    const user = check.user_id === null ? null : (state.catalog.users.get(check.user_id) ?? null);
    return { client_id: check.client_id, user };
  };

  // Counting happens once per request in app.ts, so paths with no route count too.
  const admit = async (c: Context): Promise<Viewer | Response> => {
    const fault = state.faults.take("api");
    if (fault) {
      state.stats.faults_injected.api += 1;
      return serveFault(c, fault, state);
    }
    return authenticate(c.req.header("authorization"), c.req.url);
  };

  const anyToken = createMiddleware<TokenEnv>(async (c, next) => {
    const viewer = await admit(c);
    if (viewer instanceof Response) return viewer;
    c.set("viewer", viewer);
    await next();
  });

  /** The /me family and writes: a client-credentials token has no user, so 401. */
  const userToken = createMiddleware<UserEnv>(async (c, next) => {
    const viewer = await admit(c);
    if (viewer instanceof Response) return viewer;
    if (!viewer.user) {
      return unauthorized(
        "this endpoint needs a user's token (authorization_code grant); client_credentials tokens carry no user",
      );
    }
    c.set("viewer", viewer);
    c.set("me", viewer.user);
    await next();
  });

  return { anyToken, userToken };
}
