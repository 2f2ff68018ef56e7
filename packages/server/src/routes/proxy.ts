import { Hono } from "hono";
import { preparedResponse } from "../http/prepared-response.js";
import type { ApiProxy } from "./api-proxy.js";

/**
 * The API proxy as the app's route, for every host the app is mounted in. The Node server
 * answers most GETs before the app sees them (http/proxy-direct.ts), with the same proxy.
 */
export function proxyRoutes(proxy: ApiProxy): Hono {
  const app = new Hono();
  app.all("*", async (c) => {
    const answer = await proxy({
      method: c.req.method,
      url: c.req.url,
      header: (name) => c.req.header(name),
      body: () => c.req.raw.body,
    });
    return preparedResponse(answer.body, answer.status, answer.headers);
  });
  return app;
}
