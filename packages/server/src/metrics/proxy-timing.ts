import type { MiddlewareHandler } from "hono";
import { codeLabel, methodLabel } from "./labels.js";
import type { Metrics } from "./metrics.js";

/**
 * Times each API proxy request until its response headers (bodies stream on
 * afterwards), by method and status: the proxy's and SoundCloud's answers alike, errors
 * included (the app's onError has answered by the time next() returns).
 */
export function proxyTiming(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      observeProxy(metrics, c.req.method, c.res.status, started);
    }
  };
}

/** One proxy request's time to its answer's headers; `started` is its `performance.now()`. */
export function observeProxy(
  metrics: Metrics,
  method: string,
  status: number,
  started: number,
): void {
  metrics.proxyDuration.observe(
    { method: methodLabel(method), code: codeLabel(status) },
    (performance.now() - started) / 1000,
  );
}
