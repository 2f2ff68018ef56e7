import type { Context, MiddlewareHandler } from "hono";
import type { GatewayContext } from "../auth/context.js";
import type { Logger } from "../logger.js";
import type { GatewayStore } from "../store/store.js";
import { clientAddress, rateLimitKey } from "./client-address.js";
import { HttpError } from "./errors.js";

/**
 * The limit on /auth/*: SOUNDGATE_RATE_LIMIT_PER_MINUTE per client address, counted in
 * the database on Postgres (several instances count together), in memory on SQLite.
 * Undefined when the limit is off.
 */
export function authRateLimit(ctx: GatewayContext): MiddlewareHandler | undefined {
  // Off (0): no middleware at all, rather than one more hop on every /auth request.
  if (ctx.config.rateLimitPerMinute <= 0) return undefined;
  const policy = perMinute(ctx.config.rateLimitPerMinute);
  return rateLimit({
    buckets:
      ctx.store.dialect === "postgres" ? storeBuckets(ctx.store, policy) : memoryBuckets(policy),
    key: (c) => `auth:${rateLimitKey(clientAddress(c, ctx.config.trustProxy))}`,
    now: ctx.now,
    logger: ctx.logger,
    onLimited: () => ctx.counters.increment("soundgate_rate_limited_total", { limit: "auth" }),
  });
}

/**
 * A token bucket per client, kept as GCRA's one number: the time at which the client's
 * bucket is full again ("theoretical arrival time"). Each request moves it one interval
 * (60 s / limit) later; a request that would push it more than a minute ahead is refused.
 * So a client gets at most `limit` requests in a burst, then one per interval: unlike
 * fixed windows, nothing doubles at a minute boundary.
 */
export interface RateLimitPolicy {
  /** ms between requests at the sustained rate. */
  intervalMs: number;
  /** How many requests a rested client may make at once. */
  burst: number;
}

export function perMinute(limit: number): RateLimitPolicy {
  // Whole milliseconds, so every store keeps the same arithmetic exactly.
  return { intervalMs: Math.ceil(60_000 / limit), burst: limit };
}

/** Where the buckets live. `take` answers 0 when the request may pass, else ms to wait. */
export interface RateLimitBuckets {
  take(key: string, now: number): Promise<number>;
}

/** One process's buckets (SQLite: one gateway per database file). */
export function memoryBuckets(policy: RateLimitPolicy): RateLimitBuckets {
  const fullAt = new Map<string, number>();
  let nextSweep = 0;
  return {
    async take(key, now) {
      if (now >= nextSweep) {
        // A bucket that is full again is the same as no bucket: forget it.
        for (const [k, at] of fullAt) if (at <= now) fullAt.delete(k);
        nextSweep = now + 60_000;
      }
      const next = Math.max(fullAt.get(key) ?? now, now) + policy.intervalMs;
      const wait = next - now - policy.burst * policy.intervalMs;
      if (wait > 0) return wait;
      fullAt.set(key, next);
      return 0;
    },
  };
}

/** Buckets in the database, so every instance counts against the same limit (Postgres). */
export function storeBuckets(store: GatewayStore, policy: RateLimitPolicy): RateLimitBuckets {
  return {
    take: (key, now) => store.takeRateLimit(key, now, policy.intervalMs, policy.burst),
  };
}

export function rateLimit(options: {
  buckets: RateLimitBuckets;
  key: (c: Context) => string;
  now: () => number;
  logger: Logger;
  /** Told of each refused request (for metrics). */
  onLimited?: () => void;
}): MiddlewareHandler {
  return async (c, next) => {
    const key = options.key(c);
    let wait: number;
    try {
      wait = await options.buckets.take(key, options.now());
    } catch {
      // The store is down: the request itself will say so (or not need it). Limiting is
      // a defence against abuse, not a reason to refuse everyone.
      options.logger.warn("rate limit check failed; request let through");
      wait = 0;
    }
    if (wait > 0) {
      options.onLimited?.();
      throw new HttpError(429, "rate_limited", "Too many requests from this address; slow down", {
        "Retry-After": String(Math.max(1, Math.ceil(wait / 1000))),
      });
    }
    return next();
  };
}
