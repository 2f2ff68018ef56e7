import type { Kysely } from "kysely";
import { sql } from "./kysely.js";
import type { Database } from "./schema.js";
import { asStoreError, classifyStoreError, StoreUnavailableError } from "./store-errors.js";

/**
 * How a store call may be repeated: `read` and `write` are safe to run twice (reads,
 * upserts, compare-and-swaps), `once` is not (a claim, a take, a replay check): a retry
 * after an answer lost with its connection could wrongly refuse a legitimate request.
 */
export type CallKind = "read" | "write" | "once";
export type StoreOp<T> = (db: Kysely<Database>) => Promise<T>;

/** Where a lock scope sends what it cannot do on its own connection any more. */
export interface LockHost {
  /** Run `op` on the pool, retried once on a lost connection when its kind allows. */
  call<T>(kind: CallKind, op: StoreOp<T>): Promise<T>;
  readonly log: StoreLog;
}

/** The two log levels the store uses (a pino logger fits). */
export interface StoreLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * One `withLock` on Postgres: a transaction on one connection holding
 * `pg_advisory_xact_lock(key)`. Every store call made under the lock runs here, never on
 * the pool, so a lock holder cannot wait for a second connection while others wait for
 * its lock (the deadlock of a pool whose every connection holds a lock). The lock goes
 * with the transaction: at commit, at rollback, or when the connection dies.
 */
export class LockScope {
  #lost = false;
  /** Writes done in the transaction, to run again if its commit is lost. */
  readonly #writes: StoreOp<unknown>[] = [];
  #unrepeatable = 0;
  /** A row read with the lock (runLocked's `readConnection`), until the work reads it. */
  #early: { id: string; row: unknown } | undefined;

  constructor(
    readonly key: string,
    readonly db: Kysely<Database>,
    private readonly host: LockHost,
    early?: { id: string; row: unknown },
  ) {
    this.#early = early;
  }

  /**
   * The connection row read in the lock's own round trip, once, if `id` is the one read:
   * `{ row }` (row undefined when there was none), else undefined (ask the database).
   */
  takeEarlyRead(id: string): { row: unknown } | undefined {
    const early = this.#early;
    if (!early || early.id !== id) return undefined;
    this.#early = undefined;
    return { row: early.row };
  }

  async call<T>(kind: CallKind, op: StoreOp<T>): Promise<T> {
    if (!this.#lost) {
      try {
        const result = await op(this.db);
        if (kind === "write") this.#writes.push(op);
        else if (kind === "once") this.#unrepeatable++;
        return result;
      } catch (error) {
        if (classifyStoreError(error) !== "connection") throw asStoreError(error);
        this.#lose(error);
      }
    }
    // The lock went with its connection. A read now would be unlocked, so the work stops
    // here; but a write is a decision already taken (a rotated refresh token that exists
    // nowhere else) and goes to the pool: every write used under a lock is an upsert or a
    // compare-and-swap on the row version, right without the lock too.
    if (kind !== "write") throw new StoreUnavailableError("connection");
    return this.host.call(kind, op);
  }

  /** Another lock on the same transaction (a nested withLock). */
  async lock(key: string): Promise<void> {
    await this.call("read", (db) => takeLock(db, key));
  }

  /**
   * Commit. If the connection is gone by now the transaction's fate is unknown, so its
   * writes run again on the pool (each is safe twice); only if that fails too is anything
   * lost, and the log says which lock, for the post-mortem.
   */
  async commit(): Promise<void> {
    if (!this.#lost) {
      try {
        await sql`commit`.execute(this.db);
        return;
      } catch (error) {
        if (classifyStoreError(error) !== "connection") {
          await rollbackQuietly(this.db);
          throw asStoreError(error);
        }
        this.#lose(error);
      }
    }
    if (this.#unrepeatable > 0) {
      this.host.log.error(
        { lock: this.key, calls: this.#unrepeatable },
        "calls made under a lock that cannot be repeated may be lost with its connection",
      );
    }
    if (this.#writes.length === 0) return;
    try {
      for (const op of this.#writes) await this.host.call("write", op);
    } catch (error) {
      this.host.log.error(
        { lock: this.key, writes: this.#writes.length },
        "writes made under a lock were lost with the database connection: if they stored a rotated refresh token, that grant needs a new login",
      );
      throw asStoreError(error);
    }
    this.host.log.warn(
      { lock: this.key, writes: this.#writes.length },
      "a lock's connection was lost before its commit; its writes were stored again on another connection",
    );
  }

  #lose(error: unknown): void {
    this.#lost = true;
    this.host.log.warn(
      { lock: this.key, err_code: (error as { code?: unknown }).code },
      "a lock's database connection was lost while held",
    );
  }
}

/**
 * Run `work` under the lock: a connection from the pool (waiting at most the pool's
 * connection timeout), a transaction, the lock (waiting at most `lockTimeoutMs`), then
 * `work` on a store bound to that transaction. The transaction commits whether `work`
 * returns or throws: what it wrote before failing is meant (a grant marked dead stays
 * marked). Failures of the lock machinery itself become StoreUnavailableError; errors of
 * `work` pass through unchanged.
 */
export async function runLocked<T, S>(
  pool: Kysely<Database>,
  key: string,
  options: {
    lockTimeoutMs: number;
    host: LockHost;
    bind: (scope: LockScope) => S;
    /** Read this connection's row in the lock's own round trip (the work's first read). */
    readConnection?: string | undefined;
  },
  work: (store: S) => Promise<T>,
): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  for (let attempt = 1; ; attempt++) {
    let started = false;
    try {
      await pool.connection().execute(async (db) => {
        let rows: unknown[];
        try {
          rows = await beginLocked(db, key, options.lockTimeoutMs, options.readConnection);
        } catch (error) {
          await rollbackQuietly(db);
          throw error;
        }
        started = true;
        const id = options.readConnection;
        const scope = new LockScope(
          key,
          db,
          options.host,
          id === undefined ? undefined : { id, row: rows[0] },
        );
        try {
          outcome = { value: await work(options.bind(scope)) };
        } catch (error) {
          outcome = { error };
        }
        await scope.commit();
      });
      break;
    } catch (error) {
      // A connection that died before the work began (the pool handed out one the server
      // had just ended) is worth one more try: nothing has happened yet.
      if (!started && attempt === 1 && classifyStoreError(error) === "connection") {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      throw asStoreError(error);
    }
  }
  if (!outcome) throw new StoreUnavailableError("connection");
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

async function takeLock(db: Kysely<Database>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
}

/**
 * `begin`, the lock timeout and the lock in one round trip: a query without parameters
 * goes by the simple protocol, which takes several statements. Each round trip is a
 * write and a read on a socket, and a refresh storm makes thousands of them. The key goes
 * in as hex (nothing to escape) and is decoded to the very text takeLock binds, so both
 * take the same lock. With `readConnection`, that row is read too, as a statement of its
 * own after the lock (so with a snapshot taken once the lock is held, as a separate read
 * would be); its rows are the answer (postgres-pool.ts hands Kysely the last result).
 */
async function beginLocked(
  db: Kysely<Database>,
  key: string,
  timeoutMs: number,
  readConnection?: string,
): Promise<unknown[]> {
  const timeout = Math.max(0, Math.trunc(timeoutMs));
  const read = readConnection === undefined ? "" : `; ${earlyConnectionRead(readConnection)}`;
  const result = await sql
    .raw(
      `begin; select set_config('lock_timeout', '${timeout}', true); ` +
        `select pg_advisory_xact_lock(hashtextextended(${textLiteral(key)}, 0))${read}`,
    )
    .execute(db);
  return readConnection === undefined ? [] : result.rows;
}

/**
 * The connection row's read, as one statement with the id as a literal. A literal, not the
 * hex form below: Postgres does not use the primary key for `id = convert_from(…)`, and a
 * sequential scan of a million rows under every lock stalled a burst of refreshes (the
 * scale run). An E'' string means the same whatever standard_conforming_strings says.
 */
export function earlyConnectionRead(id: string): string {
  if (id.includes("\0")) throw new RangeError("an id cannot contain NUL");
  return `select * from connections where id = E'${id.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** Any text as a SQL expression with nothing to escape: its UTF-8 bytes in hex, decoded. */
function textLiteral(text: string): string {
  return `convert_from(decode('${Buffer.from(text, "utf8").toString("hex")}', 'hex'), 'UTF8')`;
}

/** After a failed statement, or on a dead connection (which the pool then drops). */
async function rollbackQuietly(db: Kysely<Database>): Promise<void> {
  await sql`rollback`.execute(db).catch(() => {});
}
