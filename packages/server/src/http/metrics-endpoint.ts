import { createServer } from "node:http";
import { type Context, Hono } from "hono";
import type { GatewayConfig } from "../config.js";
import { safeEqual, secretHash } from "../crypto/hash.js";
import type { Metrics } from "../metrics/metrics.js";
import { HttpError } from "./errors.js";
import { requestListener } from "./request-listener.js";

/**
 * GET /metrics in Prometheus' text format. With a token, only for `Authorization: Bearer
 * <token>` (compared in constant time); without one, only on a port of its own that the
 * network keeps private (see docs/deploying.md).
 */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  const expected = token === undefined ? undefined : secretHash(token);
  return async (c: Context): Promise<Response> => {
    if (expected !== undefined) {
      const presented = /^Bearer (\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
      if (!presented || !safeEqual(secretHash(presented), expected)) {
        throw new HttpError(
          401,
          "unauthorized",
          "Send the metrics token (SOUNDGATE_METRICS_TOKEN) as Authorization: Bearer <token>",
          { "WWW-Authenticate": 'Bearer realm="metrics"' },
        );
      }
    }
    const body = await metrics.render();
    return c.body(body, 200, {
      "Content-Type": metrics.contentType,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
  };
}

/**
 * /metrics alone, on SOUNDGATE_METRICS_PORT: nothing else of the gateway answers there,
 * and the main port has no /metrics at all.
 */
export async function startMetricsServer(
  metrics: Metrics,
  options: { host: string; port: number; token: string | undefined },
): Promise<{ port: number; close(): Promise<void> }> {
  const app = new Hono();
  app.get("/metrics", metricsHandler(metrics, options.token));
  const answer = (c: Context, error: HttpError) => {
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(error.toJSON(), error.status as 401);
  };
  app.notFound((c) => answer(c, new HttpError(404, "not_found", "Only /metrics is served here")));
  app.onError((error, c) =>
    answer(
      c,
      error instanceof HttpError
        ? error
        : new HttpError(500, "internal_error", "Something went wrong on the gateway"),
    ),
  );
  const server = createServer(
    requestListener(
      (request, env) => app.fetch(request, env),
      () =>
        new Response('{"error":"internal_error","message":"Something went wrong on the gateway"}', {
          status: 500,
          headers: { "Content-Type": "application/json" },
        }),
    ),
  );
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
    server.listen(options.port, options.host);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether /metrics answers anywhere: with a token on the main port, or on its own port. */
export function metricsEnabled(config: GatewayConfig): boolean {
  return config.metricsToken !== undefined || config.metricsPort !== undefined;
}

/** Whether the main port serves /metrics (with the token): only when it has no port of its own. */
export function metricsOnMainPort(config: GatewayConfig): boolean {
  return config.metricsToken !== undefined && config.metricsPort === undefined;
}
