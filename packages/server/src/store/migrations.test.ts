import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "@soundgate/test-support/fixtures";
import { postgresMigrations as postgres0007 } from "@soundgate/test-support/migrations-0007/postgres";
import { sqliteMigrations as sqlite0007 } from "@soundgate/test-support/migrations-0007/sqlite";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Dialect, migrationsFor } from "./migrations.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { GatewayStore } from "./store.js";

/**
 * One dialect's database, emptied between cases: how to reach it with plain Kysely (for
 * the old migrations and for looking at what they made) and how the gateway opens it.
 */
interface Target {
  reset(): Promise<void>;
  kysely(): Kysely<unknown>;
  open(): Promise<GatewayStore>;
  /** Tables, columns with their types, indexes: the schema as the database reports it. */
  schema(db: Kysely<unknown>): Promise<unknown>;
}

async function runMigrations(db: Kysely<unknown>, migrations: Record<string, Migration>) {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** The first `count` migrations of a list, as a release that had only those ran them. */
function firstOf(migrations: Record<string, Migration>, count: number) {
  return Object.fromEntries(Object.entries(migrations).slice(0, count));
}

async function appliedNames(db: Kysely<unknown>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    db,
  );
  return rows.rows.map((r) => r.name);
}

function sqliteTarget(): Target {
  let dir = "";
  const file = () => join(dir, "gateway.db");
  return {
    async reset() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), "soundgate-migrations-"));
    },
    kysely: () =>
      new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(file()) }) }),
    open: () => openSqliteStore(`sqlite:${file()}`),
    async schema(db) {
      const rows = await sql`
        select type, name, tbl_name, sql from sqlite_master
        where name not like 'kysely_%' order by name`.execute(db);
      return rows.rows;
    },
  };
}

function postgresTarget(database: () => TestDatabase | undefined): Target {
  const url = () => database()?.url as string;
  return {
    async reset() {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      await client.query("drop schema public cascade; create schema public");
      await client.end();
    },
    kysely: () =>
      new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url() }) }),
      }),
    open: () => openPostgresStore(url()),
    async schema(db) {
      const columns = await sql`
        select table_name, column_name, ordinal_position, data_type, is_nullable, column_default
        from information_schema.columns where table_schema = 'public'
        and table_name not like 'kysely_%' order by table_name, ordinal_position`.execute(db);
      const indexes = await sql`
        select indexname, indexdef from pg_indexes where schemaname = 'public'
        and tablename not like 'kysely_%' order by indexname`.execute(db);
      // 'u' for an unlogged table, 'p' for the rest.
      const tables = await sql`
        select c.relname, c.relpersistence from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r' and c.relname not like 'kysely_%'
        order by c.relname`.execute(db);
      return { columns: columns.rows, indexes: indexes.rows, tables: tables.rows };
    },
  };
}

let database: TestDatabase | undefined;
// The file's Postgres database (dropped after the file), or none: the postgres cases skip.
test.beforeAll(({ maybePostgres }) => {
  database = maybePostgres;
});

const cases: Array<[Dialect, () => Target, Record<string, Migration>, () => boolean]> = [
  ["sqlite", sqliteTarget, sqlite0007, () => true],
  ["postgres", () => postgresTarget(() => database), postgres0007, () => database !== undefined],
];

describe.each(cases)("%s: the one migration list", (dialect, makeTarget, old, available) => {
  const target = makeTarget();
  afterAll(() => target.reset());

  async function schemaOf(migrate: (db: Kysely<unknown>) => Promise<void>) {
    await target.reset();
    const db = target.kysely();
    try {
      await migrate(db);
      return { schema: await target.schema(db), names: await appliedNames(db) };
    } finally {
      await db.destroy();
    }
  }

  it("makes a new database exactly as the dialect's own list did, under the same names", async ({
    skip,
  }) => {
    if (!available()) skip();
    const before = await schemaOf((db) => runMigrations(db, old));
    const now = await schemaOf((db) => runMigrations(db, migrationsFor(dialect)));
    expect(now.names).toEqual(Object.keys(old));
    expect(now.schema).toEqual(before.schema);
  });

  it("opens a database an older release made, at every step of its history, and migrates it", async ({
    skip,
  }) => {
    if (!available()) skip();
    const fresh = await schemaOf((db) => runMigrations(db, migrationsFor(dialect)));
    for (let count = 1; count <= Object.keys(old).length; count++) {
      await target.reset();
      const db = target.kysely();
      try {
        await runMigrations(db, firstOf(old, count));
        const store = await target.open();
        await store.close();
        expect(await appliedNames(db), `after ${count} old steps`).toEqual(fresh.names);
        expect(await target.schema(db), `after ${count} old steps`).toEqual(fresh.schema);
      } finally {
        await db.destroy();
      }
    }
  });

  it("reopens an up-to-date database as it is, and refuses one a newer release migrated", async ({
    skip,
  }) => {
    if (!available()) skip();
    await target.reset();
    await (await target.open()).close();
    const db = target.kysely();
    try {
      const names = await appliedNames(db);
      await (await target.open()).close();
      expect(await appliedNames(db)).toEqual(names);
      // A step this release does not know: the quick check must not wave it through.
      await sql`insert into kysely_migration (name, timestamp)
        values ('9999-from-a-newer-release', '2030-01-01T00:00:00.000Z')`.execute(db);
      await expect(target.open()).rejects.toThrow(/migration/);
    } finally {
      await db.destroy();
    }
  });

  it("keeps the rows an older release wrote, and reads them", async ({ skip }) => {
    if (!available()) skip();
    await target.reset();
    const db = target.kysely();
    try {
      await runMigrations(db, old);
      await sql`
        insert into connections (id, soundcloud_user_id, soundcloud_urn, user_json,
          access_token, refresh_token, scope, expires_at, status, version, created_at,
          updated_at, issued_at)
        values ('app-user', 9007199254740991, 'soundcloud:users:1', '{}', 'sealed-access',
          null, '', 5000, 'active', 3, 1000, 2000, 1000)`.execute(db);
    } finally {
      await db.destroy();
    }
    const store = await target.open();
    try {
      expect(await store.getConnection("app-user")).toMatchObject({
        soundcloudUserId: 9007199254740991,
        accessToken: "sealed-access",
        refreshToken: null,
        expiresAt: 5000,
        version: 3,
        issuedAt: 1000,
        refreshedAt: null,
      });
    } finally {
      await store.close();
    }
  });
});
