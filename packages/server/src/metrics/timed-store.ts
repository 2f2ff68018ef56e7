import type { GatewayStore } from "../store/store.js";
import type { Metrics } from "./metrics.js";

/** Not timed: close happens once, and ping is the health check's own business. */
const UNTIMED = new Set<PropertyKey>(["close", "constructor"]);

/**
 * The store, with every call timed into soundgate_store_operation_duration_seconds by
 * method name (a name from the GatewayStore interface: a fixed set), and withLock
 * timed until the lock is held (soundgate_store_lock_wait_seconds), not for the work
 * done under it. Methods are called on the store itself, so its private state works.
 */
export function timedStore(store: GatewayStore, metrics: Metrics): GatewayStore {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function" || UNTIMED.has(property) || typeof property !== "string") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      let fn = wrapped.get(property);
      if (!fn) {
        fn =
          property === "withLock"
            ? timedLock(target, metrics)
            : timed(target, property, value as (...args: unknown[]) => unknown, metrics);
        wrapped.set(property, fn);
      }
      return fn;
    },
  });
}

function timed(
  target: GatewayStore,
  operation: string,
  method: (...args: unknown[]) => unknown,
  metrics: Metrics,
) {
  return (...args: unknown[]) => {
    const started = performance.now();
    const done = (outcome: "ok" | "error") =>
      metrics.storeDuration.observe({ operation, outcome }, (performance.now() - started) / 1000);
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (error) {
      done("error");
      throw error;
    }
    if (!(result instanceof Promise)) {
      done("ok");
      return result;
    }
    return result.then(
      (value) => {
        done("ok");
        return value;
      },
      (error: unknown) => {
        done("error");
        throw error;
      },
    );
  };
}

function timedLock(target: GatewayStore, metrics: Metrics): GatewayStore["withLock"] {
  return (key, work, options) => {
    const started = performance.now();
    return target.withLock(
      key,
      (locked) => {
        metrics.lockWait.observe((performance.now() - started) / 1000);
        // The work's calls run on the lock's own store (its connection): time them too.
        return work(timedStore(locked, metrics));
      },
      options,
    );
  };
}
