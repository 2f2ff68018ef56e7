import { Hono } from "hono";
import type { GatewayContext } from "../auth/context.js";
import type { GatewayServices } from "../auth/services.js";
import { clearCookie, cookieNames, readCookie } from "../http/cookies.js";
import { csrfGuard } from "../http/csrf.js";
import { HttpError } from "../http/errors.js";

/** BFF session endpoints: who is signed in, and sign out. */
export function sessionRoutes(ctx: GatewayContext, services: GatewayServices): Hono {
  const app = new Hono();
  const cookies = cookieNames(ctx.config);

  app.get("/session", async (c) => {
    const view = await services.sessions.current(readCookie(c, cookies.session));
    if (!view) throw new HttpError(401, "not_authenticated", "No session: sign in first");
    if (view.status === "reauth_required") {
      throw new HttpError(
        401,
        "reauth_required",
        "SoundCloud no longer accepts this login; sign in again",
      );
    }
    return c.json({ user: view.user, expires_at: view.expiresAt });
  });

  app.post("/logout", csrfGuard(ctx.config), async (c) => {
    await services.sessions.logout(readCookie(c, cookies.session));
    clearCookie(c, ctx.config, cookies.session);
    return c.body(null, 204);
  });

  return app;
}
