import { Hono } from "hono";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { forUser, renderContextOf } from "./lookup.js";
import { renderUser } from "./representations.js";

/** SoundCloud caps how many accounts one user may follow. */
export const MAX_FOLLOWINGS = 2000;

/**
 * `PUT`/`DELETE /me/followings/{user_urn}`: follow and unfollow. A new follow answers
 * 201 with the user, an existing one 200; following yourself or past the cap is a 422
 * whose message says why, as the spec describes.
 */
export function followingRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { userToken } = apiGuards(state);

  app.put(
    "/me/followings/:user_urn",
    userToken,
    forUser<UserEnv>(state, (c, user) => {
      const me = c.var.me;
      if (user.id === me.id) return soundcloudError(422, "you cannot follow yourself");
      const following = state.catalog.followingIdsOf(me.id);
      if (following.includes(user.id)) return json({ status: "200 - Successful" });
      if (following.length >= MAX_FOLLOWINGS) {
        return soundcloudError(422, `you already follow the maximum of ${MAX_FOLLOWINGS} users`);
      }
      state.catalog.follow(me.id, user.id);
      return json(renderUser(renderContextOf(c, state), user), 201);
    }),
  );

  app.delete(
    "/me/followings/:user_urn",
    userToken,
    forUser<UserEnv>(state, (c, user) => {
      state.catalog.unfollow(c.var.me.id, user.id);
      return json({ status: "Status(200) - OK" });
    }),
  );

  return app;
}
