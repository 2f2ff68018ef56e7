import type { LockFn } from "soundgate";

/** What `pg.Pool` offers that this module uses (so `pg` stays your dependency, not ours). */
export interface PgPoolLike {
  connect(): Promise<{
    query(text: string, values?: unknown[]): Promise<unknown>;
    release(destroy?: boolean): void;
  }>;
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
  return async (key, work) => {
    const client = await pool.connect();
    let healthy = false;
    let outcome: { value: Awaited<ReturnType<typeof work>> } | { error: unknown } | undefined;
    try {
      await client.query("begin");
      await client.query(`set local lock_timeout = ${lockTimeoutMs}`);
      await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
      try {
        outcome = { value: await work() };
      } catch (error) {
        outcome = { error };
      }
      await client.query("commit");
      healthy = true;
    } finally {
      if (!healthy) await client.query("rollback").catch(() => {});
      client.release(!healthy);
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  };
}
