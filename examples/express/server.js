// @ts-check
// Express 5: link SoundCloud to your users and call the API for them.
// `npm run example:express` runs it offline against the Soundgate emulator.
import express from "express";
import { isMain, serveExample } from "../example-main.js";
import { appUserFrom, errorBody, homePage, soundgateFromEnv } from "../soundgate-from-env.js";

/** @param {import("@soundgate/server").Soundgate} sg */
export function createApp(sg) {
  const app = express();

  app.get("/", (req, res) => void res.type("html").send(homePage(appUserFrom(req.headers.cookie))));

  // Toy login; a real app has its own.
  app.get("/login", (req, res) => {
    const user = String(req.query.user ?? "");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(user))
      return void res
        .status(400)
        .json({ error: "invalid_user", message: "?user=: 1-64 of A-Z a-z 0-9 _ -" });
    res.cookie("app_user", user, { httpOnly: true, sameSite: "lax" }).redirect(303, "/");
  });

  /** @type {import("express").RequestHandler} */
  const requireUser = (req, res, next) => {
    const user = appUserFrom(req.headers.cookie);
    if (!user)
      return void res
        .status(401)
        .json({ error: "not_signed_in", message: "Sign in at /login?user=alice first" });
    res.locals.user = user;
    next();
  };

  // 1. Send the signed-in user to SoundCloud. The flow is bound to this user.
  app.get("/soundcloud/connect", requireUser, async (_req, res, next) => {
    try {
      const { url } = await sg.startConnection(res.locals.user);
      res.redirect(302, url);
    } catch (error) {
      next(error);
    }
  });

  // 2. SoundCloud sends them back here; the tokens are stored for this user.
  app.get("/soundcloud/callback", requireUser, async (req, res, next) => {
    try {
      const callback = new URL(req.originalUrl, "http://callback.local");
      const connection = await sg.completeConnection(res.locals.user, callback.searchParams);
      res.json({ connected: connection.user });
    } catch (error) {
      next(error);
    }
  });

  // 3. Any time later: call the API as this user (refresh handled by Soundgate).
  app.get("/soundcloud/me", requireUser, async (_req, res, next) => {
    try {
      res.json(await sg.forUser(res.locals.user).me());
    } catch (error) {
      next(error);
    }
  });

  app.post("/soundcloud/disconnect", requireUser, async (_req, res, next) => {
    try {
      res.json({ disconnected: await sg.disconnect(res.locals.user) });
    } catch (error) {
      next(error);
    }
  });

  /**
   * Express knows an error handler by its four parameters.
   * @param {unknown} error
   * @param {import("express").Request} _req
   * @param {import("express").Response} res
   * @param {import("express").NextFunction} _next
   */
  function onError(error, _req, res, _next) {
    const { status, body } = errorBody(error);
    res.status(status).json(body);
  }
  app.use(onError);
  return app;
}

if (isMain(import.meta.url)) {
  await serveExample("Express", async (baseUrl) => createApp(await soundgateFromEnv({ baseUrl })));
}
