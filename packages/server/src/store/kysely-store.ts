import { type Kysely, type Migration, Migrator, type Selectable, sql } from "kysely";
import type { AuthFlowTable, Database } from "./schema.js";
import type { FlowRecord, GatewayStore, NewFlow } from "./store.js";

/**
 * GatewayStore on Kysely. The SQL is portable (conditional UPDATE/DELETE ... RETURNING
 * works on SQLite ≥ 3.35 and Postgres), so dialects differ only in how they connect
 * and in their migrations.
 */
export class KyselyStore implements GatewayStore {
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
        status: "pending",
        verifier: flow.verifier,
        redirect_uri: flow.redirectUri,
        return_to: flow.returnTo,
        result_challenge: flow.resultChallenge,
        result: null,
        error: null,
        created_at: flow.createdAt,
        expires_at: flow.expiresAt,
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

  async completeFlow(id: string, result: string, expiresAt: number): Promise<void> {
    await this.db
      .updateTable("auth_flows")
      .set({ status: "complete", result, verifier: "", expires_at: expiresAt })
      .where("id", "=", id)
      .where("status", "=", "exchanging")
      .execute();
  }

  async failFlow(id: string, error: string, expiresAt: number): Promise<void> {
    await this.db
      .updateTable("auth_flows")
      .set({ status: "failed", error, verifier: "", expires_at: expiresAt })
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

  async deleteExpired(now: number): Promise<number> {
    const flows = await this.db
      .deleteFrom("auth_flows")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    const grace = await this.db
      .deleteFrom("refresh_grace")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    return Number(flows.numDeletedRows) + Number(grace.numDeletedRows);
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
    status: row.status,
    verifier: row.verifier,
    redirectUri: row.redirect_uri,
    returnTo: row.return_to,
    resultChallenge: row.result_challenge,
    result: row.result,
    error: row.error,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}
