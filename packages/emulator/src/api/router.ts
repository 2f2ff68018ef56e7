import { Hono } from "hono";
import { cors } from "hono/cors";
import { type AppEnv, isApiPath } from "../http.js";
import type { EmulatorState } from "../state.js";
import { commentRoutes } from "./comments.js";
import { feedRoutes } from "./feed.js";
import { followingRoutes } from "./followings.js";
import { likeRoutes } from "./likes.js";
import { meRoutes } from "./me.js";
import { playlistWriteRoutes } from "./playlist-writes.js";
import { playlistRoutes } from "./playlists.js";
import { repostRoutes } from "./reposts.js";
import { resolveRoutes } from "./resolve.js";
import { trackWriteRoutes } from "./track-writes.js";
import { trackRoutes } from "./tracks.js";
import { uploadRoutes } from "./upload.js";
import { userRoutes } from "./users.js";

/**
 * The api.soundcloud.com side. Each resource lives in its own file and exports
 * a function that builds its routes; adding an endpoint means adding a route
 * there (or a new file mounted here) behind `anyToken` or `userToken`.
 */
export function apiRoutes(state: EmulatorState): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // api.soundcloud.com answers browsers too (the token travels in a header, never a cookie).
  const allowBrowsers = cors({
    origin: "*",
    allowMethods: ["GET", "POST", "PUT", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["Location", "Retry-After"],
    maxAge: 600,
  });
  app.use("*", (c, next) => (isApiPath(c.req.path) ? allowBrowsers(c, next) : next()));
  for (const routes of [
    meRoutes,
    feedRoutes,
    followingRoutes,
    trackRoutes,
    trackWriteRoutes,
    uploadRoutes,
    commentRoutes,
    userRoutes,
    playlistRoutes,
    playlistWriteRoutes,
    likeRoutes,
    repostRoutes,
    resolveRoutes,
  ]) {
    app.route("/", routes(state));
  }
  return app;
}
