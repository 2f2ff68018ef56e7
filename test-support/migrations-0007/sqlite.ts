// FROZEN: the SQLite migrations exactly as they shipped up to 0007, when each dialect
// had its own list (since then packages/server/src/store/migrations.ts holds one list for
// both). Tests build a database with these to prove that one made by an older release
// still opens and migrates. Never edit: an old database is what it is.
import type { Kysely, Migration } from "kysely";

// Migrations are code, named so they sort in the order they must run. Never edit one
// that has shipped; add the next.
export const sqliteMigrations: Record<string, Migration> = {
  "0001_auth_flows": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("auth_flows")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("status", "text", (col) => col.notNull())
        .addColumn("verifier", "text", (col) => col.notNull())
        .addColumn("redirect_uri", "text", (col) => col.notNull())
        .addColumn("return_to", "text", (col) => col.notNull())
        .addColumn("result_challenge", "text")
        .addColumn("result", "text")
        .addColumn("error", "text")
        .addColumn("created_at", "integer", (col) => col.notNull())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("auth_flows_expires_at")
        .on("auth_flows")
        .column("expires_at")
        .execute();
      await db.schema
        .createTable("refresh_grace")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("tokens", "text", (col) => col.notNull())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("refresh_grace_expires_at")
        .on("refresh_grace")
        .column("expires_at")
        .execute();
    },
  },
  "0002_connections_sessions": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable("auth_flows")
        .addColumn("kind", "text", (col) => col.notNull().defaultTo("result"))
        .execute();
      await db.schema.alterTable("auth_flows").addColumn("app_user_id", "text").execute();
      await db.schema.alterTable("auth_flows").addColumn("browser_binding", "text").execute();
      await db.schema
        .createTable("connections")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("soundcloud_user_id", "integer", (col) => col.notNull())
        .addColumn("soundcloud_urn", "text", (col) => col.notNull())
        .addColumn("user_json", "text", (col) => col.notNull())
        .addColumn("access_token", "text", (col) => col.notNull())
        .addColumn("refresh_token", "text")
        .addColumn("scope", "text", (col) => col.notNull())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .addColumn("status", "text", (col) => col.notNull())
        .addColumn("version", "integer", (col) => col.notNull())
        .addColumn("created_at", "integer", (col) => col.notNull())
        .addColumn("updated_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("connection_id", "text", (col) => col.notNull())
        .addColumn("created_at", "integer", (col) => col.notNull())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("sessions_connection_id")
        .on("sessions")
        .column("connection_id")
        .execute();
      await db.schema
        .createIndex("sessions_expires_at")
        .on("sessions")
        .column("expires_at")
        .execute();
    },
  },
  // The approving browser's half of a bound result (a hash; the key itself is never stored).
  "0004_result_key": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("auth_flows").addColumn("result_key", "text").execute();
    },
  },
  "0005_rate_limits_session_seal": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "text", (col) => col.primaryKey())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("rate_limits_expires_at")
        .on("rate_limits")
        .column("expires_at")
        .execute();
      // Sessions from before have no seal and are refused from now on: sign in again.
      await db.schema.alterTable("sessions").addColumn("seal", "text").execute();
    },
  },
  // DPoP: refresh tokens bound to a key, proofs seen; the seal binding a flow's plain columns.
  "0006_dpop_flow_seal": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("token_bindings")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("previous", "text")
        .addColumn("jkt", "text", (col) => col.notNull())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("token_bindings_previous")
        .on("token_bindings")
        .column("previous")
        .execute();
      await db.schema
        .createIndex("token_bindings_expires_at")
        .on("token_bindings")
        .column("expires_at")
        .execute();
      await db.schema
        .createTable("dpop_proofs")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("expires_at", "integer", (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("dpop_proofs_expires_at")
        .on("dpop_proofs")
        .column("expires_at")
        .execute();
      // Flows from before have no seal and are refused from now on: start the login again.
      await db.schema.alterTable("auth_flows").addColumn("seal", "text").execute();
    },
  },
  // Who refreshed a grant when (for the post-mortem of a lost user), the last attempt
  // (a lease: which instance held the only valid refresh token), and the token's issue
  // time, which bounds the refresh window to half its lifetime.
  "0007_refresh_audit_and_leases": {
    async up(db: Kysely<unknown>) {
      for (const [column, type] of [
        ["issued_at", "integer"],
        ["refreshed_at", "integer"],
        ["refreshed_by", "text"],
        ["refresh_started_at", "integer"],
        ["refresh_started_by", "text"],
      ] as const) {
        await db.schema.alterTable("connections").addColumn(column, type).execute();
      }
    },
  },
};
