import type { StoreLog } from "./advisory-lock.js";
import { loadDriver } from "./driver.js";
import { PostgresDialect } from "./kysely.js";
import {
  DEFAULT_LOCK_QUEUE_TIMEOUT_MS,
  DEFAULT_LOCK_TIMEOUT_MS,
  KyselyStore,
} from "./kysely-store.js";
import { type PgPool, splitPool } from "./postgres-pool.js";

const INT8_OID = 20;

export interface PostgresStoreOptions {
  /**
   * Connections per instance. Default 10: half for lock holders, who keep theirs while
   * SoundCloud answers a refresh, half for everything else (1 opens 2: each side needs one).
   */
  poolSize?: number | undefined;
  /**
   * The longest a wait for a connection may go with none coming free, and the longest
   * a new connection may take to open (ms). Default 5 s. A queue that moves is waited
   * on for up to queueTimeoutMs: a burst is served in turn, a stuck database answered
   * with 503.
   */
  connectTimeoutMs?: number | undefined;
  /** The longest wait for a lock another holder has (ms). Default 5 s. */
  lockTimeoutMs?: number | undefined;
  /**
   * The longest any wait for a connection may last while the queue moves (ms): short
   * queries waiting for theirs, refreshes for one of the lock holders' places (half the
   * pool), neither holding a connection meanwhile. Default 60 s.
   */
  queueTimeoutMs?: number | undefined;
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
  const lockHolders = lockHoldersFor(poolSize);
  const queryPlaces = Math.max(1, poolSize - lockHolders);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_LOCK_QUEUE_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: lockHolders + queryPlaces,
    // Bounds the opening of a new connection. Waits for a busy pool happen in front of
    // it (splitPool), where a queue that moves is told from a stuck one.
    connectionTimeoutMillis: connectTimeoutMs,
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
  const { queries, locks } = splitPool(pool as unknown as PgPool, queryPlaces, {
    stallMs: connectTimeoutMs,
    waitMs: Math.max(connectTimeoutMs, queueTimeoutMs),
  });
  return KyselyStore.open("postgres", new PostgresDialect({ pool: queries as never }), {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    maxLockHolders: lockHolders,
    lockConnection: new PostgresDialect({ pool: locks as never }),
    lockQueueTimeoutMs: queueTimeoutMs,
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
