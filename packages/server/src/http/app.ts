import { serveStatic } from "@hono/node-server/serve-static";
import { type Context, Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { GatewayContext } from "../auth/context.js";
import { createServices, type GatewayServices } from "../auth/services.js";
import { DONE_PATH, REDIRECT_PATH } from "../config.js";
import { proxyTiming } from "../metrics/proxy-timing.js";
import { homePage } from "../pages/home.js";
import { type ApiProxy, apiProxy, PROXY_PREFIX } from "../routes/api-proxy.js";
import { authRoutes } from "../routes/auth.js";
import { bffSessionRoutes, endReplacedSession } from "../routes/bff-session.js";
import { proxyRoutes } from "../routes/proxy.js";
import { edge } from "./edge.js";
import { HttpError } from "./errors.js";
import { loopbackAliasRedirect } from "./loopback-alias.js";
import { metricsHandler, metricsOnMainPort } from "./metrics-endpoint.js";
import { authRateLimit } from "./rate-limit.js";
import { builtInPageHeaders, staticPageHeaders } from "./security-headers.js";
import { answerableError } from "./status-of.js";

/** What the app's routes share with the Node server's direct path (proxy-direct.ts). */
export interface AppParts {
  services: GatewayServices;
  proxy: ApiProxy;
}

/** One gateway's services and proxy: build once, share between the app and its server. */
export function appParts(ctx: GatewayContext): AppParts {
  const services = createServices(ctx);
  return { services, proxy: apiProxy(ctx, services) };
}

/** The gateway as a web-standard fetch handler (Hono), ready for node, tests or another host. */
export function createApp(ctx: GatewayContext, parts: AppParts = appParts(ctx)): Hono {
  const app = new Hono();
  const { services } = parts;
  for (const warning of ctx.config.warnings) ctx.logger.warn(warning);
  const detail = ctx.config.compat === "starlib";

  app.use("*", edge(ctx.config, ctx.logger));
  const alias = loopbackAliasRedirect(ctx.config);
  if (alias) app.use("*", alias);
  if (ctx.metrics) app.use(`${PROXY_PREFIX}/*`, proxyTiming(ctx.metrics));
  const builtInPage = builtInPageHeaders(ctx.soundcloud.apiUrl);
  app.use(DONE_PATH, builtInPage);

  const limit = authRateLimit(ctx);
  if (limit) app.use("/auth/*", limit);

  app.use(REDIRECT_PATH, endReplacedSession(ctx, services));
  app.route("/auth/soundcloud", authRoutes(ctx, services));
  app.route("/auth", bffSessionRoutes(ctx, services));
  app.route(PROXY_PREFIX, proxyRoutes(parts.proxy));
  // An auth endpoint asked with a method it does not serve: 405 with Allow, as our JSON.
  // Registered after the routes, so a request a route answers never passes through it.
  app.use(
    "/auth/soundcloud/*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        errorResponse(
          c,
          new HttpError(405, "method_not_allowed", "This endpoint does not support that method", {
            Allow: methods.join(", "),
          }),
          detail,
        ),
    }),
  );

  app.get("/healthz", async (c) => {
    try {
      await ctx.store.ping();
      return c.json({ status: "ok", store: "ok" });
    } catch {
      return c.json({ status: "degraded", store: "unavailable" }, 503);
    }
  });

  if (ctx.metrics && metricsOnMainPort(ctx.config)) {
    app.get("/metrics", metricsHandler(ctx.metrics, ctx.config.metricsToken));
  }

  if (ctx.config.staticDir) {
    // A built front end (the demo) at /; paths it does not have fall through to 404 JSON.
    app.use(
      "*",
      staticPageHeaders(ctx.soundcloud.apiUrl),
      serveStatic({ root: ctx.config.staticDir }),
    );
  } else {
    app.get("/", builtInPage, (c) => c.html(homePage()));
  }

  // Answered, not thrown: a throw here would skip the middleware (headers) around it.
  app.notFound((c) =>
    errorResponse(c, new HttpError(404, "not_found", "No such endpoint"), detail),
  );
  app.onError((error, c) =>
    errorResponse(c, answerableError(error, ctx.logger, c.req.path), detail),
  );
  return app;
}

function errorResponse(c: Context, error: HttpError, detail: boolean): Response {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.body({ detail }), error.status as 400);
}
