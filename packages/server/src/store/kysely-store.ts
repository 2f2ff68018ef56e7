import { type Kysely, type Migration, Migrator, type Selectable, sql } from "kysely";
import { KeyedMutex } from "./keyed-mutex.js";
import type { AuthFlowTable, ConnectionTable, Database } from "./schema.js";
import type {
  ConnectionRecord,
  ConnectionTokens,
  ConnectionWrite,
  FlowOutcome,
  FlowRecord,
  GatewayStore,
  NewFlow,
  SealedColumn,
  SessionRecord,
  TokenBinding,
} from "./store.js";

/** Rows deleted per statement by the clean-up; small enough to take a few milliseconds. */
export const DELETE_BATCH = 500;

/**
 * GatewayStore on Kysely. The SQL is portable (conditional UPDATE/DELETE ... RETURNING
 * works on SQLite ≥ 3.35 and Postgres), so dialects differ only in how they connect
 * and in their migrations.
 */
export class KyselyStore implements GatewayStore {
  readonly #mutex = new KeyedMutex();

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
  ) {}

  static async migrate(db: Kysely<Database>, migrations: Record<string, Migration>): Promise<void> {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
      throw new Error(`Database migration ${failed} failed`, { cause: error });
    }
  }

  async createFlow(flow: NewFlow): Promise<void> {
    await this.db
      .insertInto("auth_flows")
      .values({
        id: flow.id,
        kind: flow.kind,
        status: "pending",
        app_user_id: flow.appUserId,
        browser_binding: flow.browserBinding,
        verifier: flow.verifier,
        redirect_uri: flow.redirectUri,
        return_to: flow.returnTo,
        result_challenge: flow.resultChallenge,
        result_key: null,
        result: null,
        error: null,
        created_at: flow.createdAt,
        expires_at: flow.expiresAt,
        seal: flow.seal,
      })
      .execute();
  }

  async getFlow(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.db
      .selectFrom("auth_flows")
      .selectAll()
      .where("id", "=", id)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row && toFlow(row);
  }

  async claimFlow(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.db
      .updateTable("auth_flows")
      .set({ status: "exchanging" })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    return row && toFlow(row);
  }

  async completeFlow(id: string, outcome: FlowOutcome & { result: string }): Promise<void> {
    await this.db
      .updateTable("auth_flows")
      .set({
        status: "complete",
        result: outcome.result,
        result_key: outcome.resultKey,
        verifier: "",
        expires_at: outcome.expiresAt,
        seal: outcome.seal,
      })
      .where("id", "=", id)
      .where("status", "=", "exchanging")
      .execute();
  }

  async failFlow(id: string, outcome: FlowOutcome & { error: string }): Promise<void> {
    await this.db
      .updateTable("auth_flows")
      .set({
        status: "failed",
        error: outcome.error,
        result_key: outcome.resultKey,
        verifier: "",
        expires_at: outcome.expiresAt,
        seal: outcome.seal,
      })
      .where("id", "=", id)
      .where("status", "=", "exchanging")
      .execute();
  }

  async takeFlowOutcome(id: string, now: number): Promise<FlowRecord | undefined> {
    const row = await this.db
      .deleteFrom("auth_flows")
      .where("id", "=", id)
      .where("status", "in", ["complete", "failed"])
      .where("expires_at", ">", now)
      .returningAll()
      .executeTakeFirst();
    return row && toFlow(row);
  }

  async deleteFlow(id: string): Promise<void> {
    await this.db.deleteFrom("auth_flows").where("id", "=", id).execute();
  }

  async getRefreshGrace(id: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("refresh_grace")
      .select("tokens")
      .where("id", "=", id)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row?.tokens;
  }

  async putRefreshGrace(id: string, tokens: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto("refresh_grace")
      .values({ id, tokens, expires_at: expiresAt })
      .onConflict((oc) => oc.column("id").doUpdateSet({ tokens, expires_at: expiresAt }))
      .execute();
  }

  async putTokenBinding(binding: TokenBinding): Promise<void> {
    const values = {
      previous: binding.previous,
      jkt: binding.jkt,
      expires_at: binding.expiresAt,
    };
    await this.db
      .insertInto("token_bindings")
      .values({ id: binding.id, ...values })
      .onConflict((oc) => oc.column("id").doUpdateSet(values))
      .execute();
  }

  async findTokenBinding(hash: string, now: number): Promise<TokenBinding | undefined> {
    const rows = await this.db
      .selectFrom("token_bindings")
      .selectAll()
      .where((eb) => eb.or([eb("id", "=", hash), eb("previous", "=", hash)]))
      .where("expires_at", ">", now)
      .execute();
    const row = rows.find((r) => r.id === hash) ?? rows[0];
    return (
      row && {
        id: row.id,
        previous: row.previous,
        jkt: row.jkt,
        expiresAt: Number(row.expires_at),
      }
    );
  }

  async rotateTokenBinding(fromId: string, next: TokenBinding): Promise<boolean> {
    const result = await this.db
      .updateTable("token_bindings")
      .set({
        id: next.id,
        previous: next.previous,
        jkt: next.jkt,
        expires_at: next.expiresAt,
      })
      .where("id", "=", fromId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async rememberDpopProof(id: string, expiresAt: number, now: number): Promise<boolean> {
    // A row past its expiry (not yet cleaned up) is as good as none.
    const row = await this.db
      .insertInto("dpop_proofs")
      .values({ id, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column("id")
          .doUpdateSet({ expires_at: expiresAt })
          .where(sql<boolean>`dpop_proofs.expires_at <= ${now}`),
      )
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async putConnection(write: ConnectionWrite, now: number): Promise<void> {
    const tokens = {
      soundcloud_user_id: write.soundcloudUserId,
      soundcloud_urn: write.soundcloudUrn,
      user_json: write.userJson,
      access_token: write.accessToken,
      refresh_token: write.refreshToken,
      scope: write.scope,
      expires_at: write.expiresAt,
      status: "active" as const,
      updated_at: now,
    };
    await this.db
      .insertInto("connections")
      .values({ id: write.id, ...tokens, version: 1, created_at: now })
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({ ...tokens, version: sql<number>`connections.version + 1` }),
      )
      .execute();
  }

  async updateConnectionTokens(
    id: string,
    tokens: ConnectionTokens,
    expectedVersion: number,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("connections")
      .set({
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
        scope: tokens.scope,
        expires_at: tokens.expiresAt,
        status: "active",
        version: expectedVersion + 1,
        updated_at: now,
      })
      .where("id", "=", id)
      .where("version", "=", expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markConnectionReauth(id: string, expectedVersion: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("connections")
      .set({ status: "reauth_required", version: expectedVersion + 1, updated_at: now })
      .where("id", "=", id)
      .where("version", "=", expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async getConnection(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.db
      .selectFrom("connections")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toConnection(row);
  }

  async deleteConnection(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sessions").where("connection_id", "=", id).execute();
      const result = await trx.deleteFrom("connections").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }

  async listConnections(options: {
    after?: string | undefined;
    limit: number;
  }): Promise<ConnectionRecord[]> {
    let query = this.db.selectFrom("connections").selectAll().orderBy("id").limit(options.limit);
    if (options.after !== undefined) query = query.where("id", ">", options.after);
    return (await query.execute()).map(toConnection);
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.db
      .insertInto("sessions")
      .values({
        id: session.id,
        connection_id: session.connectionId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        seal: session.seal,
      })
      .execute();
  }

  async getSession(id: string, now: number): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("id", "=", id)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      connectionId: row.connection_id,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      seal: row.seal ?? null,
    };
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id", "=", id).execute();
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    // In-process first: concurrent callers here queue without holding a pool connection.
    return this.#mutex.run(key, () =>
      this.dialect === "postgres" ? this.#advisoryLock(key, work) : work(),
    );
  }

  async #advisoryLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    // The lock belongs to one database session, so take and release it on one pooled
    // connection. If this process dies, Postgres ends the session and frees the lock.
    return this.db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(connection);
      try {
        return await work();
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection);
      }
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
    const rows = await sql<{ id: string; value: string }>`
      select id, ${column} as value from ${table}
      where ${column} is not null and ${column} <> '' ${from}
      order by id limit ${limit}`.execute(this.db);
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
    const result = await sql`
      update ${table} set ${column} = ${next}
      where id = ${id} and ${column} = ${expected}`.execute(this.db);
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
    const taken = await this.db
      .insertInto("rate_limits")
      .values({ key, expires_at: now + intervalMs })
      .onConflict((oc) =>
        oc
          .column("key")
          .doUpdateSet({ expires_at: next })
          .where(sql<boolean>`${next} - ${now} <= ${window}`),
      )
      .returning("expires_at")
      .executeTakeFirst();
    if (taken) return 0;
    const row = await this.db
      .selectFrom("rate_limits")
      .select("expires_at")
      .where("key", "=", key)
      .executeTakeFirst();
    return row ? Math.max(1, Number(row.expires_at) + intervalMs - now - window) : 1;
  }

  async deleteExpired(now: number): Promise<number> {
    // In batches, with a turn of the event loop between them: better-sqlite3 is synchronous,
    // so one big DELETE (500,000 expired flows: 8.6 s) would stop every request meanwhile;
    // on Postgres short statements keep locks and transactions short.
    const rowId = sql.raw(this.dialect === "postgres" ? "ctid" : "rowid");
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
        const result =
          await sql`delete from ${sql.table(table)} where ${rowId} in (select ${rowId} from ${sql.table(table)} where expires_at <= ${now} limit ${DELETE_BATCH})`.execute(
            this.db,
          );
        const deleted = Number(result.numAffectedRows ?? 0n);
        total += deleted;
        if (deleted < DELETE_BATCH) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return total;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function toFlow(row: Selectable<AuthFlowTable>): FlowRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    appUserId: row.app_user_id,
    browserBinding: row.browser_binding,
    verifier: row.verifier,
    redirectUri: row.redirect_uri,
    returnTo: row.return_to,
    resultChallenge: row.result_challenge,
    resultKey: row.result_key,
    result: row.result,
    error: row.error,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    seal: row.seal ?? null,
  };
}

function toConnection(row: Selectable<ConnectionTable>): ConnectionRecord {
  return {
    id: row.id,
    soundcloudUserId: Number(row.soundcloud_user_id),
    soundcloudUrn: row.soundcloud_urn,
    userJson: row.user_json,
    accessToken: row.access_token,
    refreshToken: row.refresh_token,
    scope: row.scope,
    expiresAt: Number(row.expires_at),
    status: row.status,
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
