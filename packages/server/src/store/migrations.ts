import type { Kysely, Migration } from "kysely";
import { sql } from "./kysely.js";

export type Dialect = "sqlite" | "postgres";

/** What the one list's DDL may vary by dialect; everything else is written once. */
export interface DialectDdl {
  /**
   * Integers past 2^31: milliseconds since the epoch, SoundCloud user ids. SQLite's
   * integer is 64-bit already; Postgres needs bigint (read back as a number: postgres.ts).
   */
  bigint: "bigint" | "integer";
  /** Tables whose rows are worth nothing after a crash may skip the WAL (Postgres). */
  unlogged: boolean;
}

export function ddlFor(dialect: Dialect): DialectDdl {
  return dialect === "postgres"
    ? { bigint: "bigint", unlogged: true }
    : { bigint: "integer", unlogged: false };
}

type Step = (db: Kysely<unknown>, ddl: DialectDdl) => Promise<void>;

/**
 * Migrations are code, named so they sort in the order they must run, and each database
 * records the names it has run. The first tables came under different names per dialect
 * (SQLite in two steps; Postgres, added later, in one), so each dialect keeps those.
 * Never edit a migration that has shipped; add the next to SHARED. On a brand-new SQLite
 * file they all run in one transaction (fresh-migrate.ts): a step must not open its own.
 */
const FIRST: Record<Dialect, Array<[string, Step]>> = {
  sqlite: [
    [
      "0001_auth_flows",
      async (db, ddl) => {
        await createAuthFlows(db, ddl, { owners: false });
        await createRefreshGrace(db, ddl);
      },
    ],
    [
      "0002_connections_sessions",
      async (db, ddl) => {
        await db.schema
          .alterTable("auth_flows")
          .addColumn("kind", "text", (col) => col.notNull().defaultTo("result"))
          .execute();
        await db.schema.alterTable("auth_flows").addColumn("app_user_id", "text").execute();
        await db.schema.alterTable("auth_flows").addColumn("browser_binding", "text").execute();
        await createConnectionsAndSessions(db, ddl);
      },
    ],
  ],
  postgres: [
    [
      "0001_initial",
      async (db, ddl) => {
        await createAuthFlows(db, ddl, { owners: true });
        await createRefreshGrace(db, ddl);
        await createConnectionsAndSessions(db, ddl);
      },
    ],
  ],
};

/** From 0004 on, one list for every dialect. */
const SHARED: Array<[string, Step]> = [
  // The approving browser's half of a bound result (a hash; the key itself is never stored).
  [
    "0004_result_key",
    async (db) => {
      await db.schema.alterTable("auth_flows").addColumn("result_key", "text").execute();
    },
  ],
  [
    "0005_rate_limits_session_seal",
    async (db, ddl) => {
      // A bucket is worth nothing after a crash (it starts full again), so its upsert on
      // every /auth request need not wait for the WAL to reach disk.
      await db.schema
        .createTable("rate_limits")
        .$call((table) => (ddl.unlogged ? table.modifyFront(sql`unlogged`) : table))
        .addColumn("key", "text", (col) => col.primaryKey())
        .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
        .execute();
      await indexExpiry(db, "rate_limits");
      // Sessions from before have no seal and are refused from now on: sign in again.
      await db.schema.alterTable("sessions").addColumn("seal", "text").execute();
    },
  ],
  // DPoP: refresh tokens bound to a key, proofs seen; the seal binding a flow's plain columns.
  [
    "0006_dpop_flow_seal",
    async (db, ddl) => {
      await db.schema
        .createTable("token_bindings")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("previous", "text")
        .addColumn("jkt", "text", (col) => col.notNull())
        .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("token_bindings_previous")
        .on("token_bindings")
        .column("previous")
        .execute();
      await indexExpiry(db, "token_bindings");
      await db.schema
        .createTable("dpop_proofs")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
        .execute();
      await indexExpiry(db, "dpop_proofs");
      // Flows from before have no seal and are refused from now on: start the login again.
      await db.schema.alterTable("auth_flows").addColumn("seal", "text").execute();
    },
  ],
  // Who refreshed a grant when (for the post-mortem of a lost user), the last attempt
  // (a lease: which instance held the only valid refresh token), and the token's issue
  // time, which bounds the refresh window to half its lifetime.
  [
    "0007_refresh_audit_and_leases",
    async (db, ddl) => {
      for (const [column, type] of [
        ["issued_at", ddl.bigint],
        ["refreshed_at", ddl.bigint],
        ["refreshed_by", "text"],
        ["refresh_started_at", ddl.bigint],
        ["refresh_started_by", "text"],
      ] as const) {
        await db.schema.alterTable("connections").addColumn(column, type).execute();
      }
    },
  ],
];

/** The migrations of `dialect`, in the form Kysely's Migrator takes. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  const ddl = ddlFor(dialect);
  return Object.fromEntries(
    [...FIRST[dialect], ...SHARED].map(([name, step]) => [name, { up: (db) => step(db, ddl) }]),
  );
}

/**
 * auth_flows as the first step made it. Postgres's first step came after the owner
 * columns (kind, app_user_id, browser_binding) and has them in these places; SQLite's
 * added them at the end in 0002.
 */
async function createAuthFlows(
  db: Kysely<unknown>,
  ddl: DialectDdl,
  { owners }: { owners: boolean },
): Promise<void> {
  await db.schema
    .createTable("auth_flows")
    .addColumn("id", "text", (col) => col.primaryKey())
    .$call((t) =>
      owners ? t.addColumn("kind", "text", (col) => col.notNull().defaultTo("result")) : t,
    )
    .addColumn("status", "text", (col) => col.notNull())
    .$call((t) =>
      owners ? t.addColumn("app_user_id", "text").addColumn("browser_binding", "text") : t,
    )
    .addColumn("verifier", "text", (col) => col.notNull())
    .addColumn("redirect_uri", "text", (col) => col.notNull())
    .addColumn("return_to", "text", (col) => col.notNull())
    .addColumn("result_challenge", "text")
    .addColumn("result", "text")
    .addColumn("error", "text")
    .addColumn("created_at", ddl.bigint, (col) => col.notNull())
    .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
    .execute();
  await indexExpiry(db, "auth_flows");
}

async function createRefreshGrace(db: Kysely<unknown>, ddl: DialectDdl): Promise<void> {
  await db.schema
    .createTable("refresh_grace")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("tokens", "text", (col) => col.notNull())
    .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
    .execute();
  await indexExpiry(db, "refresh_grace");
}

async function createConnectionsAndSessions(db: Kysely<unknown>, ddl: DialectDdl): Promise<void> {
  await db.schema
    .createTable("connections")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("soundcloud_user_id", ddl.bigint, (col) => col.notNull())
    .addColumn("soundcloud_urn", "text", (col) => col.notNull())
    .addColumn("user_json", "text", (col) => col.notNull())
    .addColumn("access_token", "text", (col) => col.notNull())
    .addColumn("refresh_token", "text")
    .addColumn("scope", "text", (col) => col.notNull())
    .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("version", "integer", (col) => col.notNull())
    .addColumn("created_at", ddl.bigint, (col) => col.notNull())
    .addColumn("updated_at", ddl.bigint, (col) => col.notNull())
    .execute();
  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (col) => col.primaryKey())
    .addColumn("connection_id", "text", (col) => col.notNull())
    .addColumn("created_at", ddl.bigint, (col) => col.notNull())
    .addColumn("expires_at", ddl.bigint, (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex("sessions_connection_id")
    .on("sessions")
    .column("connection_id")
    .execute();
  await indexExpiry(db, "sessions");
}

/** `<table>_expires_at`: the clean-up's batch delete finds expired rows by it. */
async function indexExpiry(db: Kysely<unknown>, table: string): Promise<void> {
  await db.schema.createIndex(`${table}_expires_at`).on(table).column("expires_at").execute();
}
