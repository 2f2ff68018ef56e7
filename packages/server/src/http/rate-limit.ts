import type { MiddlewareHandler } from "hono";
import { HttpError } from "./errors.js";

/**
 * Fixed one-minute windows per client IP. Enough to blunt scripted abuse of the login
 * endpoints from one address; not a substitute for an edge rate limiter.
 */
export function rateLimit(options: {
  perMinute: number;
  clientIp: (c: Parameters<MiddlewareHandler>[0]) => string;
  now: () => number;
}): MiddlewareHandler {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return async (c, next) => {
    if (options.perMinute <= 0) return next();
    const now = options.now();
    if (now - windowStart >= 60_000) {
      windowStart = now - (now % 60_000);
      counts = new Map();
    }
    const ip = options.clientIp(c);
    const count = (counts.get(ip) ?? 0) + 1;
    counts.set(ip, count);
    if (count > options.perMinute) {
      const retryAfter = Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
      throw new HttpError(429, "rate_limited", "Too many requests from this address; slow down", {
        "Retry-After": String(retryAfter),
      });
    }
    return next();
  };
}
