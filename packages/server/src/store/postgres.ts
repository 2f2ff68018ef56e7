import type { StoreLog } from "./advisory-lock.js";
import { loadDriver } from "./driver.js";
import { PostgresDialect } from "./kysely.js";
import { DEFAULT_LOCK_TIMEOUT_MS, KyselyStore } from "./kysely-store.js";

const INT8_OID = 20;

export interface PostgresStoreOptions {
  /** Connections per instance. Default 10. */
  poolSize?: number | undefined;
  /** The longest wait for a connection, pooled or new (ms). Default 5 s. */
  connectTimeoutMs?: number | undefined;
  /** The longest wait for a lock another holder has (ms). Default 5 s. */
  lockTimeoutMs?: number | undefined;
  /**
   * The longest wait for a place among this process's lock holders (half the pool: see
   * lockHoldersFor), holding no connection meanwhile (ms). Default 60 s.
   */
  lockQueueTimeoutMs?: number | undefined;
  log?: StoreLog | undefined;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** `postgres://user@host:5432/db`. Migrations run on open; safe with several instances starting at once. */
export async function openPostgresStore(
  databaseUrl: string,
  options: PostgresStoreOptions = {},
): Promise<KyselyStore> {
  const { default: pg } = await loadDriver("pg", "a postgres:// database", () => import("pg"));
  const log = options.log;
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    // Bounds both a new connection and the wait for a pooled one when all are in use:
    // past it a request gets 503, never an endless queue.
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // A peer that vanished without a FIN (a cut network) is noticed, not waited on forever.
    keepAlive: true,
    // Times are bigint milliseconds; they fit in a double for the next 285,000 years.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // A connection the server ends (pg_terminate_backend, a restart, a failover) emits
  // 'error' on its client. Unheard, that event would crash the process, and the pool
  // listens only while a client is idle: so every client gets a listener for its whole
  // life, the lock's connection above all (checked out while SoundCloud answers). The
  // query that was running fails on its own; the pool drops the dead client on release
  // and connects a new one on demand.
  pool.on("connect", (client) => {
    client.on("error", (error: Error & { code?: string }) => {
      log?.warn({ code: error.code }, "a database connection was lost; it will be replaced");
    });
  });
  // An idle client's error reaches the pool too (after the client's own listener logged it).
  pool.on("error", () => {});
  return KyselyStore.open("postgres", new PostgresDialect({ pool }), {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    maxLockHolders: lockHoldersFor(poolSize),
    lockQueueTimeoutMs: options.lockQueueTimeoutMs,
    log,
  });
}

/**
 * Half the pool (at least one) may be held by lock holders through their work; the other
 * half stays free for the short reads and writes of every other request.
 */
export function lockHoldersFor(poolSize: number): number {
  return Math.max(1, Math.ceil(poolSize / 2));
}
