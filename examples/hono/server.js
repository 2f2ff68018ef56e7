// @ts-check
// Hono on Node: link SoundCloud to your users and call the API for them.
// `npm run example:hono` runs it offline against the Soundgate emulator.
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { isMain, serveExample } from "../example-main.js";
import { appUserFrom, errorBody, homePage, soundgateFromEnv } from "../soundgate-from-env.js";

/** @param {import("@soundgate/server").Soundgate} sg */
export function createApp(sg) {
  /** @type {Hono<{ Variables: { user: string } }>} */
  const app = new Hono();

  app.get("/", (c) => c.html(homePage(appUserFrom(c.req.header("cookie")))));

  // Toy login; a real app has its own.
  app.get("/login", (c) => {
    const user = c.req.query("user") ?? "";
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(user))
      return c.json({ error: "invalid_user", message: "?user=: 1-64 of A-Z a-z 0-9 _ -" }, 400);
    c.header("Set-Cookie", `app_user=${user}; HttpOnly; SameSite=Lax; Path=/`);
    return c.redirect("/", 303);
  });

  app.use("/soundcloud/*", async (c, next) => {
    const user = appUserFrom(c.req.header("cookie"));
    if (!user)
      return c.json({ error: "not_signed_in", message: "Sign in at /login?user=alice first" }, 401);
    c.set("user", user);
    await next();
  });

  app.get("/soundcloud/connect", async (c) =>
    c.redirect((await sg.startConnection(c.get("user"))).url, 302),
  );

  app.get("/soundcloud/callback", async (c) => {
    const connection = await sg.completeConnection(c.get("user"), c.req.url);
    return c.json({ connected: connection.user });
  });

  app.get("/soundcloud/me", async (c) => c.json(await sg.forUser(c.get("user")).me()));

  app.post("/soundcloud/disconnect", async (c) =>
    c.json({ disconnected: await sg.disconnect(c.get("user")) }),
  );

  app.onError((error, c) => {
    const { status, body } = errorBody(error);
    return c.json(body, /** @type {400} */ (status));
  });
  return app;
}

if (isMain(import.meta.url)) {
  await serveExample("Hono", async (baseUrl) =>
    getRequestListener(createApp(await soundgateFromEnv({ baseUrl })).fetch),
  );
}
