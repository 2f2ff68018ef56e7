import { Hono } from "hono";
import { type AppEnv, json, soundcloudError } from "../http.js";
import type { EmulatorState } from "../state.js";
import { apiGuards, type UserEnv } from "./auth.js";
import { findUser, forUser, forUserParam, renderContextOf } from "./lookup.js";
import { renderUser } from "./representations.js";

/** SoundCloud caps how many accounts one user may follow. */
export const MAX_FOLLOWINGS = 2000;

/**
 * `PUT`/`DELETE /me/followings/{user_urn}`: follow and unfollow, and the deprecated
 * lookups of one relation (`GET /me/followings/{urn}`, `/me/followers/{urn}`,
 * `/users/{urn}/followings/{urn}`). A new follow answers
 * 201 with the user, an existing one 200; following yourself or past the cap is a 422
 * whose message says why, as the spec describes.
 */
export function followingRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { anyToken, userToken } = apiGuards(state);

  // Deprecated in the spec ("use /users/{user_urn}"), still answered: the user when the
  // relation exists, else 404.
  app.get(
    "/me/followings/:user_urn",
    userToken,
    forUser<UserEnv>(state, (c, user) => {
      if (!state.catalog.followingIdsOf(c.var.me.id).includes(user.id)) {
        return soundcloudError(404, "you do not follow this user");
      }
      return json(renderUser(renderContextOf(c, state), user));
    }),
  );

  app.get(
    "/me/followers/:follower_urn",
    userToken,
    forUserParam("follower_urn")<UserEnv>(state, (c, user) => {
      if (!state.catalog.followingIdsOf(user.id).includes(c.var.me.id)) {
        return soundcloudError(404, "this user does not follow you");
      }
      return json(renderUser(renderContextOf(c, state), user));
    }),
  );

  app.get(
    "/users/:user_urn/followings/:following_urn",
    anyToken,
    forUser(state, (c, user) => {
      const followed = findUser(state, c.req.param("following_urn") ?? "");
      if (followed instanceof Response) return followed;
      if (!state.catalog.followingIdsOf(user.id).includes(followed.id)) {
        return soundcloudError(404, "this user does not follow that user");
      }
      return json(renderUser(renderContextOf(c, state), followed));
    }),
  );

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
