import type { LockFn } from "soundgate";

/** What `pg.Pool` offers that this module uses (so `pg` stays your dependency, not ours). */
export interface PgPoolLike {
  connect(): Promise<PgLockClient>;
}
export interface PgLockClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  release(destroy?: boolean): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

/**
 * A lock per key across every instance on one PostgreSQL database: `pg_advisory_xact_lock`
 * inside a transaction, released with it (or with the connection, if the process dies).
 *
 * Give it its own small pool, not the one better-auth queries through: while the lock is
 * held, better-auth reads and writes the account on its own pool. Were both the same pool,
 * lock holders could take every connection and then wait for one more: a deadlock.
 *
 * ```ts
 * const lock = postgresLock(new pg.Pool({ connectionString, max: 4 }));
 * ```
 */
export function postgresLock(pool: PgPoolLike, options: { lockTimeoutMs?: number } = {}): LockFn {
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 20_000));
  // A checked-out client whose connection the server ends (a restart, a failover,
  // pg_terminate_backend) emits 'error' on itself, and pg.Pool listens only to idle ones:
  // unheard, that event is an uncaught exception and the app exits mid-refresh. The
  // statement that was running fails on its own, so hearing it is enough.
  const lost = () => {};
  return async (key, work) => {
    const client = await pool.connect();
    client.on("error", lost);
    let healthy = false;
    try {
      await client.query("begin");
      await client.query(`set local lock_timeout = ${lockTimeoutMs}`);
      await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
      let outcome: { value: Awaited<ReturnType<typeof work>> } | { error: unknown };
      try {
        outcome = { value: await work() };
      } catch (error) {
        outcome = { error };
      }
      // The transaction only holds the lock: the work wrote through better-auth's own pool,
      // so its writes stand even when this commit fails on a lost connection.
      healthy = await client.query("commit").then(
        () => true,
        () => false,
      );
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    } finally {
      if (!healthy) await client.query("rollback").catch(() => {});
      // A client about to be destroyed keeps hearing: its socket may still report.
      if (healthy) client.removeListener("error", lost);
      // A connection in an unknown state (a lock timeout, the server gone) is not reused.
      client.release(!healthy);
    }
  };
}
