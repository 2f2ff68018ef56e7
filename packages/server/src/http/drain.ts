import type { Server } from "node:http";

/** What the gateway needs to stop without dropping a request it has started. */
export interface RequestTracker {
  /** Requests started and not yet answered (or abandoned by their client). */
  inFlight(): number;
  /**
   * From now on every answer closes its connection, so keep-alive clients come back on
   * a new one (to another instance); resolves true once nothing is in flight, or false
   * when `timeoutMs` passes first.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/**
 * Count the server's requests in flight. A refresh in flight has spent the old token at
 * SoundCloud: cutting it before its commit would lose that user, so shutdown waits for
 * these (up to SOUNDGATE_SHUTDOWN_TIMEOUT_MS) before it closes the database pool.
 */
export function trackRequests(server: Server): RequestTracker {
  let active = 0;
  let draining = false;
  const idle = new Set<() => void>();
  server.prependListener("request", (_req, res) => {
    active++;
    if (draining && !res.headersSent) res.setHeader("Connection", "close");
    res.once("close", () => {
      active--;
      if (active === 0) for (const done of idle) done();
    });
  });
  return {
    inFlight: () => active,
    drain(timeoutMs) {
      draining = true;
      if (active === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          idle.delete(done);
          resolve(true);
        };
        const timer = setTimeout(() => {
          idle.delete(done);
          resolve(false);
        }, timeoutMs);
        idle.add(done);
      });
    },
  };
}
