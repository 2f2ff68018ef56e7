import type { Dialect as KyselyDialect, Migration, QueryResult } from "kysely";
import {
  type CallKind,
  type LockHost,
  type LockScope,
  runLocked,
  type StoreLog,
  type StoreOp,
} from "./advisory-lock.js";
import { type CompiledOnce, compiledOnce, type DirectSql } from "./compiled-once.js";
import { MigrationError, migrateFreshSqlite } from "./fresh-migrate.js";
import { KeyedMutex } from "./keyed-mutex.js";
import { CamelCasePlugin, Kysely, Migrator, sql } from "./kysely.js";
import { LockSlots } from "./lock-slots.js";
import { type Dialect, migrationsFor } from "./migrations.js";
import type { Database } from "./schema.js";
import type {
  ConnectionRecord,
  ConnectionTokens,
  ConnectionWrite,
  FlowOutcome,
  FlowRecord,
  GatewayStore,
  LockOptions,
  NewFlow,
  SealedColumn,
  SessionRecord,
  SessionWithGrant,
  TokenBinding,
} from "./store.js";
import { asStoreError, classifyStoreError, StoreUnavailableError } from "./store-errors.js";

export interface KyselyStoreOptions {
  /** How long a withLock waits for another holder on Postgres (ms). Default 5 s. */
  lockTimeoutMs?: number | undefined;
  /** Where lost connections and lost commits are reported. */
  log?: StoreLog | undefined;
  /**
   * Postgres: how many withLock holders may run at once in this process. Each holds a
   * pool connection for its whole work (a refresh waits on SoundCloud meanwhile), so
   * this must stay below the pool size or a refresh storm takes every connection and
   * the pool's short wait turns the rest of the traffic into 503s. Default 5.
   */
  maxLockHolders?: number | undefined;
  /** How long a withLock waits for one of those places (ms). Default 60 s. */
  lockQueueTimeoutMs?: number | undefined;
  /** SQLite: the hot statements run straight on its connection when no transaction is open. */
  direct?: DirectSql | undefined;
  /**
   * Postgres: where lock holders get their connections (postgres-pool.ts), apart from the
   * short queries'. Default: the same connection as everything else.
   */
  lockConnection?: KyselyDialect | undefined;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_LOCK_HOLDERS = 5;
export const DEFAULT_LOCK_QUEUE_TIMEOUT_MS = 60_000;
const RETRY_DELAY_MS = 50;
/**
 * How long close() lets lock holders finish: a refresh whose client has gone is still
 * waiting on SoundCloud, and its rotated token exists nowhere else until it is written.
 * SoundCloud's answer is bounded by the core's request deadline (30 s).
 */
export const CLOSE_WAIT_MS = 35_000;

const SILENT: StoreLog = { warn: () => {}, error: () => {} };

/**
 * Rows deleted per statement by the clean-up. SQLite's delete runs on the event loop, so
 * its batch must take only a few milliseconds; Postgres's runs elsewhere while requests go
 * on, and a larger batch pays the per-statement cost (finding the rows) ten times less often.
 */
export const DELETE_BATCH = 500;
export const POSTGRES_DELETE_BATCH = 5_000;

/**
 * GatewayStore on Kysely. The SQL is portable (conditional UPDATE/DELETE ... RETURNING
 * works on SQLite ≥ 3.35 and Postgres), so dialects differ only in how they connect
 * and in their migrations.
 */
export class KyselyStore implements GatewayStore {
  readonly #mutex = new KeyedMutex();
  readonly #slots: LockSlots;
  #cleanup: Promise<number> | undefined;
  readonly #lockTimeoutMs: number;
  readonly #log: StoreLog;
  /** Set on the view of a store that withLock hands to its work (Postgres). */
  readonly #scope: LockScope | undefined;
  readonly #host: LockHost;
  readonly #direct: DirectSql | undefined;
  /** Where withLock takes its connections on Postgres. */
  readonly #lockDb: Kysely<Database> | undefined;
  /**
   * withLock work under way, which close() lets finish. Calls still queued for the lock
   * are not waited for: nothing has been spent upstream for them yet.
   */
  readonly #locked = new Set<Promise<unknown>>();
  /** Transactions begun and not yet ended (SQLite: they hold its one connection). */
  #transactions = 0;
  #closed = false;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    options: KyselyStoreOptions = {},
    scope?: LockScope,
    lockDb?: Kysely<Database>,
  ) {
    this.#lockDb = lockDb;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.#slots = new LockSlots(
      options.maxLockHolders ?? DEFAULT_MAX_LOCK_HOLDERS,
      options.lockQueueTimeoutMs ?? DEFAULT_LOCK_QUEUE_TIMEOUT_MS,
    );
    this.#log = options.log ?? SILENT;
    this.#scope = scope;
    this.#direct = dialect === "sqlite" ? options.direct : undefined;
    const log = this.#log;
    this.#host = { call: (kind, op) => this.#call(kind, op), log };
  }

  /**
   * Every statement goes through here. Under a lock it runs on the lock's transaction.
   * Otherwise a call whose connection is lost is retried once on another (the pool has
   * dropped the dead one) when it is safe to run twice; what still fails becomes a
   * StoreUnavailableError, which the HTTP layer answers with 503 and Retry-After.
   */
  async #call<T>(kind: CallKind, op: StoreOp<T>): Promise<T> {
    if (this.#scope) return this.#scope.call(kind, op);
    try {
      return await op(this.db);
    } catch (error) {
      if (kind === "once" || classifyStoreError(error) !== "connection") throw asStoreError(error);
      this.#log.warn(
        { err_code: (error as { code?: unknown }).code },
        "a database call lost its connection; retrying once on another",
      );
    }
    // A moment first: when the server ended many connections at once, the pool must see
    // the others' close events too, or the retry could be handed another dead one.
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    try {
      return await op(this.db);
    } catch (error) {
      throw asStoreError(error);
    }
  }

  /**
   * One of the hot statements (compiled-once.ts). On SQLite with no transaction open it
   * runs at once on the connection: a transaction there spans awaits on the one
   * connection, and a statement slipped in would become part of it.
   */
  #hot<R>(kind: CallKind, statement: CompiledOnce<R>, values: unknown[]): Promise<QueryResult<R>> {
    const direct = this.#direct;
    if (direct && !this.#scope && this.#transactions === 0 && !this.#closed) {
      try {
        return Promise.resolve(statement.direct(direct, this.db, this.dialect, values));
      } catch (error) {
        return Promise.reject(asStoreError(error));
      }
    }
    return this.#call(kind, (db) => statement(db, this.dialect, ...values));
  }

  /**
   * A store on `connection`, migrated. Rows come back with camelCase keys, as store.ts's
   * records (CamelCasePlugin); the migrations run without the plugin, as the plain DDL
   * they are.
   */
  static async open(
    dialect: Dialect,
    connection: KyselyDialect,
    options: KyselyStoreOptions = {},
  ): Promise<KyselyStore> {
    const db = new Kysely<Database>({ dialect: connection, plugins: [new CamelCasePlugin()] });
    try {
      await migrate(db.withoutPlugins(), dialect, migrationsFor(dialect));
    } catch (error) {
      await db.destroy();
      throw error;
    }
    const lockDb =
      options.lockConnection &&
      new Kysely<Database>({ dialect: options.lockConnection, plugins: [new CamelCasePlugin()] });
    return new KyselyStore(db, dialect, options, undefined, lockDb);
  }

  async createFlow(flow: NewFlow): Promise<void> {
    const values = FLOW_FIELDS.map((field) => flow[field]);
    await this.#hot("write", insertFlow, values);
  }

  async getFlow(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.#call("read", (db) =>
      db
        .selectFrom("auth_flows")
        .selectAll()
        .where("id", "=", id)
        .where("expiresAt", ">", now)
        .executeTakeFirst(),
    );
    return row;
  }

  async claimFlow(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.#call("once", (db) =>
      db
        .updateTable("auth_flows")
        .set({ status: "exchanging" })
        .where("id", "=", id)
        .where("status", "=", "pending")
        .where("expiresAt", ">", now)
        .returningAll()
        .executeTakeFirst(),
    );
    return row;
  }

  async completeFlow(id: string, outcome: FlowOutcome & { result: string }): Promise<void> {
    await this.#finishFlow(id, { status: "complete", ...outcome });
  }

  async failFlow(id: string, outcome: FlowOutcome & { error: string }): Promise<void> {
    await this.#finishFlow(id, { status: "failed", ...outcome });
  }

  /** exchanging → complete or failed, with the outcome's columns; the verifier is spent. */
  async #finishFlow(
    id: string,
    end: FlowOutcome &
      ({ status: "complete"; result: string } | { status: "failed"; error: string }),
  ): Promise<void> {
    await this.#call("write", (db) =>
      db
        .updateTable("auth_flows")
        .set({ ...end, verifier: "" })
        .where("id", "=", id)
        .where("status", "=", "exchanging")
        .execute(),
    );
  }

  async takeFlowOutcome(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.#call("once", (db) =>
      db
        .deleteFrom("auth_flows")
        .where("id", "=", id)
        .where("status", "in", ["complete", "failed"])
        .where("expiresAt", ">", now)
        .returningAll()
        .executeTakeFirst(),
    );
    return row;
  }

  async deleteFlow(id: string): Promise<void> {
    await this.#call("write", (db) => db.deleteFrom("auth_flows").where("id", "=", id).execute());
  }

  async getRefreshGrace(id: string, now: number): Promise<string | undefined> {
    const row = await this.#call("read", (db) =>
      db
        .selectFrom("refresh_grace")
        .select("tokens")
        .where("id", "=", id)
        .where("expiresAt", ">", now)
        .executeTakeFirst(),
    );
    return row?.tokens;
  }

  async putRefreshGrace(id: string, tokens: string, expiresAt: number): Promise<void> {
    await this.#call("write", (db) =>
      db
        .insertInto("refresh_grace")
        .values({ id, tokens, expiresAt })
        .onConflict((oc) => oc.column("id").doUpdateSet({ tokens, expiresAt }))
        .execute(),
    );
  }

  async putTokenBinding(binding: TokenBinding): Promise<void> {
    const { id: _, ...values } = binding;
    await this.#call("write", (db) =>
      db
        .insertInto("token_bindings")
        .values(binding)
        .onConflict((oc) => oc.column("id").doUpdateSet(values))
        .execute(),
    );
  }

  async findTokenBinding(hash: string, now: number): Promise<TokenBinding | undefined> {
    const rows = await this.#call("read", (db) =>
      db
        .selectFrom("token_bindings")
        .selectAll()
        .where((eb) => eb.or([eb("id", "=", hash), eb("previous", "=", hash)]))
        .where("expiresAt", ">", now)
        .execute(),
    );
    return rows.find((r) => r.id === hash) ?? rows[0];
  }

  async rotateTokenBinding(fromId: string, next: TokenBinding): Promise<boolean> {
    const result = await this.#call("write", (db) =>
      db.updateTable("token_bindings").set(next).where("id", "=", fromId).executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async rememberDpopProof(id: string, expiresAt: number, now: number): Promise<boolean> {
    // A row past its expiry (not yet cleaned up) is as good as none.
    const row = await this.#call("once", (db) =>
      db
        .insertInto("dpop_proofs")
        .values({ id, expiresAt })
        .onConflict((oc) =>
          oc
            .column("id")
            .doUpdateSet({ expiresAt })
            .where(sql<boolean>`dpop_proofs.expires_at <= ${now}`),
        )
        .returning("id")
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async putConnection(write: ConnectionWrite, now: number): Promise<void> {
    const { id, ...written } = write;
    const tokens = {
      ...written,
      status: "active" as const,
      updatedAt: now,
      // A new login starts a new history.
      refreshedAt: null,
      refreshedBy: null,
      refreshStartedAt: null,
      refreshStartedBy: null,
    };
    await this.#call("write", (db) =>
      db
        .insertInto("connections")
        .values({ id, ...tokens, version: 1, createdAt: now })
        .onConflict((oc) =>
          oc.column("id").doUpdateSet({ ...tokens, version: sql<number>`connections.version + 1` }),
        )
        .execute(),
    );
  }

  async updateConnectionTokens(
    id: string,
    tokens: ConnectionTokens,
    expectedVersion: number,
    now: number,
    instanceId: string,
  ): Promise<boolean> {
    const result = await this.#call("write", (db) =>
      db
        .updateTable("connections")
        .set({
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          scope: tokens.scope,
          expiresAt: tokens.expiresAt,
          issuedAt: tokens.issuedAt,
          status: "active",
          version: expectedVersion + 1,
          updatedAt: now,
          refreshedAt: now,
          refreshedBy: instanceId,
        })
        .where("id", "=", id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async markConnectionReauth(id: string, expectedVersion: number, now: number): Promise<boolean> {
    const result = await this.#call("write", (db) =>
      db
        .updateTable("connections")
        .set({ status: "reauth_required", version: expectedVersion + 1, updatedAt: now })
        .where("id", "=", id)
        .where("version", "=", expectedVersion)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) === 1;
  }

  async noteRefreshStarted(id: string, now: number, instanceId: string): Promise<void> {
    await this.#call("write", (db) =>
      db
        .updateTable("connections")
        .set({ refreshStartedAt: now, refreshStartedBy: instanceId })
        .where("id", "=", id)
        // Only over a finished attempt: an attempt after the last stored rotation that
        // never stored its own is what a post-mortem needs, so a later one keeps it.
        .where((eb) =>
          eb.or([
            eb("refreshStartedAt", "is", null),
            eb("refreshStartedAt", "<=", sql<number>`coalesce(refreshed_at, 0)`),
          ]),
        )
        .execute(),
    );
  }

  async getConnection(id: string): Promise<ConnectionRecord | undefined> {
    const early = this.#scope?.takeEarlyRead(id);
    if (early) return early.row as ConnectionRecord | undefined;
    const result = await this.#hot("read", selectConnection, [id]);
    return result.rows[0];
  }

  async deleteConnection(id: string): Promise<boolean> {
    // Not retried: a retry after a lost answer would report "there was none".
    return this.#call("once", (db) =>
      this.#atomically(db, async (trx) => {
        await trx.deleteFrom("sessions").where("connectionId", "=", id).execute();
        const result = await trx.deleteFrom("connections").where("id", "=", id).executeTakeFirst();
        return Number(result.numDeletedRows) === 1;
      }),
    );
  }

  async listConnections(options: {
    after?: string | undefined;
    limit: number;
  }): Promise<ConnectionRecord[]> {
    const rows = await this.#call("read", (db) => {
      let query = db.selectFrom("connections").selectAll().orderBy("id").limit(options.limit);
      if (options.after !== undefined) query = query.where("id", ">", options.after);
      return query.execute();
    });
    return rows;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#call("write", (db) =>
      db
        .insertInto("sessions")
        .values(session)
        // Ids are random: a conflict is this same insert retried after a lost answer.
        .onConflict((oc) => oc.column("id").doNothing())
        .execute(),
    );
  }

  async getSession(id: string, now: number): Promise<SessionRecord | undefined> {
    return this.#call("read", (db) =>
      db
        .selectFrom("sessions")
        .selectAll()
        .where("id", "=", id)
        .where("expiresAt", ">", now)
        .executeTakeFirst(),
    );
  }

  getSessionWithGrant(id: string, now: number): Promise<SessionWithGrant | undefined> {
    // Not async: on SQLite's direct path the answer is there at once, one promise hop less
    // on every proxied call.
    return this.#hot("read", selectSessionWithGrant, [id, now]).then(sessionWithGrant);
  }

  async deleteSession(id: string): Promise<void> {
    await this.#call("write", (db) => db.deleteFrom("sessions").where("id", "=", id).execute());
  }

  async withLock<T>(
    key: string,
    work: (store: GatewayStore) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    if (this.#scope) {
      // Already inside a lock: the same transaction takes this one too.
      await this.#scope.lock(key);
      return work(this);
    }
    if (this.dialect !== "postgres") return this.#mutex.run(key, () => this.#tracked(work(this)));
    // In-process first, holding no pool connection: callers of one key queue behind each
    // other, then for one of the few places that may hold a connection through their work
    // (5,000 expired grants refreshed at once would otherwise take the whole pool).
    return this.#mutex.run(key, () =>
      this.#slots.run(
        () =>
          this.#tracked(
            runLocked(
              this.#lockDb ?? this.db,
              key,
              {
                lockTimeoutMs: this.#lockTimeoutMs,
                host: this.#host,
                readConnection: options.readConnection,
                bind: (scope) =>
                  new KyselyStore(
                    scope.db,
                    this.dialect,
                    { lockTimeoutMs: this.#lockTimeoutMs, log: this.#log },
                    scope,
                  ),
              },
              work,
            ),
          ),
        () => new StoreUnavailableError("pool_timeout"),
      ),
    );
  }

  #tracked<T>(run: Promise<T>): Promise<T> {
    this.#locked.add(run);
    const done = () => this.#locked.delete(run);
    run.then(done, done);
    return run;
  }

  /** `work` in one transaction: a new one, or the lock's when under a lock. */
  #atomically<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.#scope) return work(db);
    this.#transactions++;
    return db
      .transaction()
      .execute(work)
      .finally(() => {
        this.#transactions--;
      });
  }

  async listSealed(
    where: SealedColumn,
    after: string | undefined,
    limit: number,
  ): Promise<Array<{ id: string; value: string }>> {
    const table = sql.table(where.table);
    const column = sql.ref(where.column);
    const from = after === undefined ? sql`` : sql`and id > ${after}`;
    const rows = await this.#call("read", (db) =>
      sql<{ id: string; value: string }>`
      select id, ${column} as value from ${table}
      where ${column} is not null and ${column} <> '' ${from}
      order by id limit ${limit}`.execute(db),
    );
    return rows.rows;
  }

  async replaceSealed(
    where: SealedColumn,
    id: string,
    expected: string,
    next: string,
  ): Promise<boolean> {
    const table = sql.table(where.table);
    const column = sql.ref(where.column);
    const result = await this.#call("write", (db) =>
      sql`
      update ${table} set ${column} = ${next}
      where id = ${id} and ${column} = ${expected}`.execute(db),
    );
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async takeRateLimit(
    key: string,
    now: number,
    intervalMs: number,
    burst: number,
  ): Promise<number> {
    // GCRA in one upsert: move the bucket's full-at time one interval on, unless that puts
    // it more than `burst` intervals ahead. Concurrent upserts of one key queue on its row
    // and each sees the last one's result, on SQLite and Postgres alike.
    const window = burst * intervalMs;
    const larger = this.dialect === "postgres" ? "greatest" : "max";
    const next = sql<number>`${sql.raw(larger)}(rate_limits.expires_at, ${now}) + ${intervalMs}`;
    const taken = await this.#call("write", (db) =>
      db
        .insertInto("rate_limits")
        .values({ key, expiresAt: now + intervalMs })
        .onConflict((oc) =>
          oc
            .column("key")
            .doUpdateSet({ expiresAt: next })
            .where(sql<boolean>`${next} - ${now} <= ${window}`),
        )
        .returning("expiresAt")
        .executeTakeFirst(),
    );
    if (taken) return 0;
    const row = await this.#call("read", (db) =>
      db.selectFrom("rate_limits").select("expiresAt").where("key", "=", key).executeTakeFirst(),
    );
    return row ? Math.max(1, Number(row.expiresAt) + intervalMs - now - window) : 1;
  }

  deleteExpired(now: number): Promise<number> {
    // One at a time: on a big backlog a clean-up can outlast the timer's interval, and a
    // second one would only fight the first for the same rows. A call meanwhile joins it.
    if (!this.#cleanup) {
      this.#cleanup = this.#deleteExpired(now).finally(() => {
        this.#cleanup = undefined;
      });
    }
    return this.#cleanup;
  }

  async #deleteExpired(now: number): Promise<number> {
    // In batches, with a turn of the event loop between them: better-sqlite3 is synchronous,
    // so one big DELETE (500,000 expired flows: 8.6 s) would stop every request meanwhile;
    // on Postgres short statements keep locks and transactions short.
    const rowId = sql.raw(this.dialect === "postgres" ? "ctid" : "rowid");
    const batch = this.dialect === "postgres" ? POSTGRES_DELETE_BATCH : DELETE_BATCH;
    let total = 0;
    for (const table of [
      "auth_flows",
      "refresh_grace",
      "sessions",
      "rate_limits",
      "token_bindings",
      "dpop_proofs",
    ] as const) {
      for (;;) {
        const result = await this.#call("write", (db) =>
          sql`delete from ${sql.table(table)} where ${rowId} in (select ${rowId} from ${sql.table(table)} where expires_at <= ${now} limit ${batch})`.execute(
            db,
          ),
        );
        const deleted = Number(result.numAffectedRows ?? 0n);
        total += deleted;
        if (deleted < batch) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return total;
  }

  async ping(): Promise<void> {
    await this.#call("read", (db) => sql`select 1`.execute(db));
  }

  async close(): Promise<void> {
    // The view under a lock shares its owner's pool, which is not this view's to close.
    if (this.#scope) return;
    // A refresh in flight (its client may have gone) commits first, within a bound.
    if (this.#locked.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.#locked]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    // From here on every call fails as Kysely fails it ("driver has already been destroyed").
    this.#closed = true;
    await Promise.all([this.db.destroy(), this.#lockDb?.destroy()]);
  }
}

// The statements every proxied call and every /authorize runs, compiled once (compiled-once.ts).

/** NewFlow's fields in the order insertFlow binds them. */
const FLOW_FIELDS = [
  "id",
  "kind",
  "appUserId",
  "browserBinding",
  "verifier",
  "redirectUri",
  "returnTo",
  "resultChallenge",
  "createdAt",
  "expiresAt",
  "seal",
] as const satisfies ReadonlyArray<keyof NewFlow>;

const insertFlow = compiledOnce((db, slot) =>
  db
    .insertInto("auth_flows")
    .values({
      ...(Object.fromEntries(
        FLOW_FIELDS.map((field, i) => [field, slot(i)]),
      ) as unknown as NewFlow),
      status: "pending",
      resultKey: null,
      result: null,
      error: null,
    })
    // Ids are random: a conflict is this same insert retried after a lost answer.
    .onConflict((oc) => oc.column("id").doNothing()),
);

const selectConnection = compiledOnce((db, slot) =>
  db.selectFrom("connections").selectAll().where("id", "=", slot(0)),
);

const selectSessionWithGrant = compiledOnce((db, slot) =>
  db
    .selectFrom("sessions as s")
    .leftJoin("connections as c", "c.id", "s.connectionId")
    .select([
      "s.id",
      "s.connectionId",
      "s.createdAt",
      "s.expiresAt",
      "s.seal",
      "c.id as grantId",
      "c.accessToken",
      "c.refreshToken",
      "c.scope",
      "c.expiresAt as grantExpiresAt",
      "c.issuedAt",
      "c.status",
      "c.version",
    ])
    .where("s.id", "=", slot(0))
    .where("s.expiresAt", ">", slot(1)),
);

type SessionGrantRow = typeof selectSessionWithGrant extends CompiledOnce<infer R> ? R : never;

/** The proxy's join as a session and its grant (none when the connection row is gone). */
function sessionWithGrant(result: QueryResult<SessionGrantRow>): SessionWithGrant | undefined {
  const row = result.rows[0];
  if (!row) return undefined;
  const session = {
    id: row.id,
    connectionId: row.connectionId,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    seal: row.seal,
  };
  if (row.grantId === null) return { session, grant: undefined };
  return {
    session,
    grant: {
      id: row.grantId,
      accessToken: row.accessToken ?? "",
      refreshToken: row.refreshToken,
      scope: row.scope ?? "",
      expiresAt: row.grantExpiresAt ?? 0,
      issuedAt: row.issuedAt,
      status: row.status ?? "reauth_required",
      version: row.version ?? 0,
    },
  };
}

/**
 * Brings the database up to `migrations` (KyselyStore.open's list; exported for tests that
 * bring their own): a restart finds it done in one read, a brand-new SQLite file is made in
 * one transaction (fresh-migrate.ts), and everything else goes to Kysely's Migrator.
 */
export async function migrate(
  db: Kysely<Database>,
  dialect: Dialect,
  migrations: Record<string, Migration>,
): Promise<void> {
  if (await upToDate(db, migrations)) return;
  if (dialect === "sqlite" && (await migrateFreshSqlite(db, migrations)) === "migrated") return;
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new MigrationError(failed, error);
  }
}

/**
 * Whether the database has run exactly these migrations, in one read. A restart (the
 * usual start) then skips the Migrator's own checks: creating its tables if missing,
 * reading the schema's metadata, taking and releasing its lock, listing what ran. Any
 * doubt (no table yet, a name missing or one this release does not know, an error)
 * goes to the Migrator, which migrates or refuses as it always did.
 */
async function upToDate(
  db: Kysely<Database>,
  migrations: Record<string, Migration>,
): Promise<boolean> {
  let names: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    names = rows.map((row) => row.name);
  } catch {
    return false;
  }
  const known = Object.keys(migrations);
  return names.length === known.length && known.every((name) => names.includes(name));
}
