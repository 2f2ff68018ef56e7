import { AsyncLocalStorage } from "node:async_hooks";
import type { GraceStore, LockFn, StoredTokens, TokenStore } from "soundgate";

/** What `pg.Pool` offers that this module uses (so `pg` stays your dependency, not ours). */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  release(error?: Error | boolean): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  removeListener(event: "error", listener: (error: Error) => void): unknown;
}

// A checked-out client whose connection the server ends (a restart, a failover,
// pg_terminate_backend) emits 'error' on itself, and pg.Pool listens only to idle ones:
// unheard, that event is an uncaught exception and the app exits mid-refresh. The statement
// that was running fails on its own (and with it the commit), so hearing it is enough.
const lost = () => {};

export interface PostgresCoordinationOptions {
  /** Auth.js's accounts table: "accounts" for `@auth/pg-adapter`, "account" for Drizzle's default. */
  accountsTable?: string | undefined;
  /** Where JWT-session grace entries live; created on first use. Default "soundgate_refresh_grace". */
  graceTable?: string | undefined;
  /** The provider id in your Auth.js config. Default "soundcloud". */
  providerId?: string | undefined;
  /** How long a refresh waits for another instance's lock before failing. Default 20 s. */
  lockTimeoutMs?: number | undefined;
}

export interface PostgresCoordination {
  /** An advisory lock per key, held by a transaction on one pooled connection. */
  lock: LockFn;
  /** Grace entries in a small table, for JWT sessions across instances. */
  graceStore: GraceStore;
  /** The accounts table as a token store keyed by Auth.js user id, for database sessions. */
  accounts: TokenStore;
}

/**
 * One refresh per grant across every instance that shares the database. The lock is
 * `pg_advisory_xact_lock` inside a transaction on a connection taken *before* waiting; the
 * reads and writes made while holding it (the account row, the grace entry) run on that same
 * connection, so a lock holder never waits on the pool for a second one. (Holding one
 * connection while queueing for another is how a pool deadlocks under load.) A crash
 * releases the lock with the connection.
 */
export function postgresCoordination(
  pool: PgPoolLike,
  options: PostgresCoordinationOptions = {},
): PostgresCoordination {
  const accountsTable = identifier(options.accountsTable ?? "accounts");
  const graceTable = identifier(options.graceTable ?? "soundgate_refresh_grace");
  const providerId = options.providerId ?? "soundcloud";
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 20_000));
  const held = new AsyncLocalStorage<PgClientLike>();
  const query = (text: string, values?: unknown[]) => (held.getStore() ?? pool).query(text, values);

  const lock: LockFn = async (key, work) => {
    if (held.getStore()) return work(); // already inside a lock of ours: same transaction
    const client = await pool.connect();
    client.on("error", lost);
    let outcome: { value: Awaited<ReturnType<typeof work>> } | { error: unknown } | undefined;
    let healthy = false;
    try {
      await client.query("begin");
      await client.query(`set local lock_timeout = ${lockTimeoutMs}`);
      await client.query("select pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
      try {
        outcome = { value: await held.run(client, work) };
      } catch (error) {
        outcome = { error };
      }
      // Commit either way: what the work wrote before it failed is meant (a grant marked
      // dead must stay marked). After a failed statement Postgres turns COMMIT into ROLLBACK.
      await client.query("commit");
      healthy = true;
    } finally {
      if (!healthy) await client.query("rollback").catch(() => {});
      // A client about to be destroyed keeps hearing: its socket may still report.
      if (healthy) client.removeListener("error", lost);
      // A connection in an unknown state (a lock timeout, the server gone) is not reused.
      client.release(!healthy);
    }
    if ("error" in outcome) throw outcome.error;
    return outcome.value;
  };

  let graceReady: Promise<void> | undefined;
  const ensureGraceTable = () => {
    graceReady ??= pool
      .query(
        `create table if not exists ${graceTable} (id text primary key, sealed text not null, expires_at bigint not null)`,
      )
      .then(
        () => {},
        (error: { code?: string }) => {
          // Two instances creating it at once: the loser sees a duplicate type or table.
          if (error.code === "23505" || error.code === "42P07") return;
          graceReady = undefined;
          throw error;
        },
      );
    return graceReady;
  };

  const graceStore: GraceStore = {
    async get(id) {
      await ensureGraceTable();
      const { rows } = await query(
        `select sealed from ${graceTable} where id = $1 and expires_at > $2`,
        [id, Date.now()],
      );
      const sealed = rows[0]?.sealed;
      return typeof sealed === "string" ? sealed : undefined;
    },
    async put(id, sealed, expiresAt) {
      await ensureGraceTable();
      await query(`delete from ${graceTable} where expires_at <= $1`, [Date.now()]);
      await query(
        `insert into ${graceTable} (id, sealed, expires_at) values ($1, $2, $3)
         on conflict (id) do update set sealed = excluded.sealed, expires_at = excluded.expires_at`,
        [id, sealed, expiresAt],
      );
    },
  };

  const accounts: TokenStore = {
    async get(userId) {
      const { rows } = await query(
        `select access_token, refresh_token, expires_at, scope from ${accountsTable}
         where "userId" = $1 and provider = $2 limit 1`,
        [userId, providerId],
      );
      const row = rows[0];
      if (!row || typeof row.access_token !== "string") return undefined;
      const stored: StoredTokens = {
        accessToken: row.access_token,
        refreshToken: typeof row.refresh_token === "string" ? row.refresh_token : undefined,
        expiresAt: Number(row.expires_at ?? 0) * 1000,
        scope: typeof row.scope === "string" ? row.scope : "",
      };
      return stored;
    },
    async set(userId, tokens) {
      if (tokens.reauthRequired) {
        // SoundCloud refused the refresh token: forget it, so nothing presents it again.
        await query(
          `update ${accountsTable} set refresh_token = null where "userId" = $1 and provider = $2`,
          [userId, providerId],
        );
        return;
      }
      await query(
        `update ${accountsTable} set access_token = $3, refresh_token = $4, expires_at = $5
         where "userId" = $1 and provider = $2`,
        [
          userId,
          providerId,
          tokens.accessToken,
          tokens.refreshToken ?? null,
          Math.floor(tokens.expiresAt / 1000),
        ],
      );
    },
    async delete(userId) {
      await query(`delete from ${accountsTable} where "userId" = $1 and provider = $2`, [
        userId,
        providerId,
      ]);
    },
    // Inside the lock `query` runs on the lock's transaction, so this same store serves.
    withLock: (userId, work) =>
      lock(`soundgate:account:${providerId}:${userId}`, () => work(accounts)),
  };

  return { lock, graceStore, accounts };
}

/** A table name as a quoted identifier; anything but a plain (optionally schema-qualified) name is refused. */
function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/.test(name))
    throw new TypeError(`Not a plain table name: ${JSON.stringify(name)}`);
  return name
    .split(".")
    .map((part) => `"${part}"`)
    .join(".");
}
