import { Hono, type MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ReauthReason } from "../auth/app-user-connections.js";
import type { GatewayContext } from "../auth/context.js";
import type { GatewayServices } from "../auth/services.js";
import { clearCookie, cookieNames } from "../http/cookies.js";
import { csrfGuard } from "../http/csrf.js";

const REAUTH_MESSAGES: Record<ReauthReason, string> = {
  grant_revoked: "SoundCloud no longer accepts this login; sign in again",
  unreadable:
    "The gateway can no longer read this session (its encryption keys changed, or it restarted without fixed keys); sign in again",
};

/** BFF session endpoints: who is signed in, and sign out. */
export function bffSessionRoutes(ctx: GatewayContext, services: GatewayServices): Hono {
  const app = new Hono();
  const cookies = cookieNames(ctx.config);

  // Always 200: "signed out" is an answer, not an error (a 401 here would put a failed
  // request in the console of every signed-out page load).
  app.get("/session", async (c) => {
    const view = await services.bffSessions.current(getCookie(c, cookies.session));
    if (view.status === "signed_out") return c.json({ signed_in: false });
    if (view.status === "reauth_required") {
      return c.json({
        signed_in: false,
        reauth_required: true,
        reason: view.reason,
        message: REAUTH_MESSAGES[view.reason],
      });
    }
    return c.json({
      signed_in: true,
      user: view.user,
      expires_at: view.expiresAt,
      refreshed_at: view.refreshedAt,
      instance: ctx.config.instanceId,
    });
  });

  app.post("/logout", csrfGuard(ctx.config), async (c) => {
    await services.bffSessions.logout(getCookie(c, cookies.session));
    clearCookie(c, ctx.config, cookies.session);
    return c.body(null, 204);
  });

  return app;
}

/**
 * On SoundCloud's redirect back (where a BFF login sets its session cookie): when a
 * browser that already had a session signs in again, end the old session and its grant,
 * so a copy of the old cookie is worth nothing and the old grant is not left alive.
 * The route owns the new cookie; this only looks at whether it replaced one.
 */
export function endReplacedSession(
  ctx: GatewayContext,
  services: GatewayServices,
): MiddlewareHandler {
  const name = cookieNames(ctx.config).session;
  return async (c, next) => {
    const previous = getCookie(c, name);
    await next();
    if (!previous) return;
    const replaced = c.res.headers
      .getSetCookie()
      .some((line) => line.startsWith(`${name}=`) && !line.startsWith(`${name}=;`));
    if (!replaced) return; // no new session (the login failed): the old one stays
    try {
      await services.bffSessions.logout(previous);
    } catch {
      ctx.logger.warn("could not end the session a new login replaced");
    }
  };
}
