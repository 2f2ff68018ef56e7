import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, type Migration, Migrator, SqliteDialect, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { MigrationError, migrateFreshSqlite } from "./fresh-migrate.js";
import { migrate } from "./kysely-store.js";
import { migrationsFor } from "./migrations.js";
import type { Database } from "./schema.js";

const dirs: string[] = [];
const dbs: Kysely<unknown>[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((db) => db.destroy()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-fresh-"));
  dirs.push(dir);
  return join(dir, "gateway.db");
}

/** A file opened as sqlite.ts opens it; `queries` collects the SQL run through it. */
function open(file: string, { busyTimeoutMs = 5_000, queries = [] as string[] } = {}) {
  const database = new BetterSqlite3(file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const db = new Kysely<unknown>({
    dialect: new SqliteDialect({ database }),
    log: (event) => {
      queries.push(event.query.sql);
    },
  });
  dbs.push(db);
  return db;
}

async function runMigrator(db: Kysely<unknown>, migrations: Record<string, Migration>) {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return results?.map((r) => `${r.migrationName}: ${r.status}`);
}

const rows = async <R>(db: Kysely<unknown>, query: ReturnType<typeof sql<R>>) =>
  (await query.execute(db)).rows;

/**
 * Everything SQLite says about the schema: each object's definition (defaults, constraints
 * and all), each table's columns, each index's columns.
 */
async function schemaOf(db: Kysely<unknown>) {
  const objects = await rows(
    db,
    sql<{ type: string; name: string }>`
      select type, name, tbl_name, sql from sqlite_master order by type, name`,
  );
  const tables: Record<string, unknown> = {};
  for (const { name } of objects.filter((o) => o.type === "table")) {
    const indexes = await rows(
      db,
      sql<{ name: string }>`select * from pragma_index_list(${name}) order by name`,
    );
    tables[name] = {
      columns: await rows(db, sql`select * from pragma_table_xinfo(${name})`),
      indexes: await Promise.all(
        indexes.map(async (index) => ({
          ...index,
          seq: undefined, // the order SQLite lists them in, not a property of the index
          columns: await rows(db, sql`select * from pragma_index_xinfo(${index.name})`),
        })),
      ),
    };
  }
  return { objects, tables };
}

const ranRows = (db: Kysely<unknown>) =>
  rows(
    db,
    sql<{
      name: string;
      timestamp: string;
    }>`select name, timestamp from kysely_migration order by name`,
  );

/** The Migrator's timestamps: `new Date().toISOString()` when each step had run, in order. */
function expectMigratorTimestamps(ran: Array<{ timestamp: string }>, from: number, to: number) {
  for (const { timestamp } of ran) {
    expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(timestamp).getTime()).toBeGreaterThanOrEqual(from);
    expect(new Date(timestamp).getTime()).toBeLessThanOrEqual(to);
  }
  const times = ran.map((r) => r.timestamp);
  expect(times).toEqual([...times].sort());
}

const SQLITE = migrationsFor("sqlite");

describe("a brand-new SQLite file, migrated in one transaction", () => {
  it("ends up as the Migrator makes it: schema, migration rows and lock row", async () => {
    const byMigrator = open(newFile());
    const started = Date.now();
    await runMigrator(byMigrator, SQLITE);
    const fast = open(newFile());
    expect(await migrateFreshSqlite(fast, SQLITE)).toBe("migrated");
    const ended = Date.now();

    const expected = await schemaOf(byMigrator);
    expect(Object.keys(expected.tables)).toContain("kysely_migration");
    expect(await schemaOf(fast)).toEqual(expected);

    const ran = await ranRows(fast);
    expect(ran.map((r) => r.name)).toEqual((await ranRows(byMigrator)).map((r) => r.name));
    expectMigratorTimestamps(ran, started, ended);
    expectMigratorTimestamps(await ranRows(byMigrator), started, ended);

    const lockRows = (db: Kysely<unknown>) => rows(db, sql`select * from kysely_migration_lock`);
    expect(await lockRows(fast)).toEqual([{ id: "migration_lock", is_locked: 0 }]);
    expect(await lockRows(fast)).toEqual(await lockRows(byMigrator));
  });

  it("is migrated by a later release's Migrator like any other (only its new step runs)", async () => {
    const later = {
      ...SQLITE,
      "0099_later": {
        up: async (db: Kysely<unknown>) => {
          await db.schema.alterTable("sessions").addColumn("later", "text").execute();
        },
      },
    };
    const fast = open(newFile());
    expect(await migrateFreshSqlite(fast, SQLITE)).toBe("migrated");
    expect(await runMigrator(fast, later)).toEqual(["0099_later: Success"]);

    // The same through the gateway's own path: not new, so the Migrator runs the step.
    const viaOpen = open(newFile());
    await migrate(viaOpen as Kysely<Database>, "sqlite", SQLITE);
    await migrate(viaOpen as Kysely<Database>, "sqlite", later);

    const byMigrator = open(newFile());
    await runMigrator(byMigrator, later);
    const expected = await schemaOf(byMigrator);
    expect(await schemaOf(fast)).toEqual(expected);
    expect(await schemaOf(viaOpen)).toEqual(expected);
    for (const db of [fast, viaOpen]) {
      expect((await ranRows(db)).map((r) => r.name)).toEqual(Object.keys(later).sort());
    }
  });

  it("is reopened with one read, and so is a file the Migrator made", async () => {
    for (const make of [
      (db: Kysely<unknown>) => migrateFreshSqlite(db, SQLITE),
      (db: Kysely<unknown>) => runMigrator(db, SQLITE),
    ]) {
      const file = newFile();
      await make(open(file));
      const queries: string[] = [];
      await migrate(open(file, { queries }) as Kysely<Database>, "sqlite", SQLITE);
      expect(queries).toEqual(["select name from kysely_migration"]);
    }
  });

  it("is made once when several processes open it at the same moment, and all of them start", async () => {
    const module = fileURLToPath(new URL("../../dist/store/sqlite.js", import.meta.url));
    for (const name of ["sqlite", "kysely-store", "fresh-migrate"]) {
      const src = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
      const built = fileURLToPath(new URL(`../../dist/store/${name}.js`, import.meta.url));
      if (statSync(built).mtimeMs < statSync(src).mtimeMs) {
        throw new Error(`${built} is older than its source: run \`npm run build\``);
      }
    }
    // Each process loads everything, says so, and opens the store when told: all at once.
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(module)});
      process.stdout.write("ready\\n");
      process.stdin.once("data", async () => {
        const store = await openSqliteStore(process.env.DATABASE_URL);
        await store.close();
        process.stdout.write("opened\\n");
      });`;
    for (let round = 0; round < 4; round++) {
      const file = newFile();
      const children: ChildProcess[] = [];
      const outputs: string[] = [];
      for (let i = 0; i < 3; i++) {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
          env: { PATH: process.env.PATH, DATABASE_URL: `sqlite:${file}` },
          stdio: ["pipe", "pipe", "pipe"],
        });
        const index = outputs.push("") - 1;
        child.stdout?.on("data", (chunk) => {
          outputs[index] += chunk;
        });
        child.stderr?.on("data", (chunk) => {
          outputs[index] += chunk;
        });
        children.push(child);
      }
      const exits = children.map((child) => once(child, "exit"));
      await Promise.all(
        children.map(
          (child, i) =>
            new Promise<void>((resolve, reject) => {
              const check = () => outputs[i]?.includes("ready") && resolve();
              child.stdout?.on("data", check);
              child.once("exit", () => reject(new Error(`exited before ready: ${outputs[i]}`)));
            }),
        ),
      );
      for (const child of children) child.stdin?.end("go\n");
      const codes = await Promise.all(exits);
      expect(
        codes.map(([code], i) => `${code} ${outputs[i]?.trim()}`),
        `round ${round}`,
      ).toEqual(children.map(() => "0 ready\nopened"));

      const db = open(file);
      expect((await ranRows(db)).map((r) => r.name)).toEqual(Object.keys(SQLITE).sort());
      const byMigrator = open(newFile());
      await runMigrator(byMigrator, SQLITE);
      expect(await schemaOf(db)).toEqual(await schemaOf(byMigrator));
    }
  });

  it("leaves nothing behind when a step fails, and the open fails as it did", async () => {
    const broken = {
      ...SQLITE,
      "0003_broken": {
        up: async (db: Kysely<unknown>) => {
          await db.schema.createTable("half_made").addColumn("id", "text").execute();
          throw new Error("step failed");
        },
      },
    };
    const file = newFile();
    const db = open(file);
    const failure = await migrateFreshSqlite(db, broken).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect(failure).toMatchObject({
      message: "Database migration 0003_broken failed",
      cause: { message: "step failed" },
    });
    const objects = sql`select name from sqlite_master`;
    expect(await rows(db, objects)).toEqual([]);

    // The store's open: the same message and cause as the Migrator's failure gives.
    await expect(migrate(db as Kysely<Database>, "sqlite", broken)).rejects.toMatchObject({
      message: "Database migration 0003_broken failed",
      cause: { message: "step failed" },
    });
    expect(await rows(db, objects)).toEqual([]);
    // The Migrator, for comparison, leaves the steps before and the failed step's half.
    const byMigrator = open(newFile());
    await expect(runMigrator(byMigrator, broken)).rejects.toThrow("step failed");
    expect((await rows(byMigrator, objects)).length).toBeGreaterThan(0);

    // Nothing was left to get in the way: the file opens once the step is fixed.
    expect(await migrateFreshSqlite(db, SQLITE)).toBe("migrated");
  });

  it("leaves a file with anything in it to the Migrator, untouched", async () => {
    const file = newFile();
    const db = open(file);
    await sql`create table someone_elses (id integer)`.execute(db);
    expect(await migrateFreshSqlite(db, SQLITE)).toBe("not-fresh");
    expect(await rows(db, sql`select name from sqlite_master`)).toEqual([
      { name: "someone_elses" },
    ]);
  });

  it("leaves the file to the Migrator when another connection holds the write lock", async () => {
    const file = newFile();
    const holder = new BetterSqlite3(file);
    try {
      holder.pragma("journal_mode = WAL");
      holder.exec("begin immediate");
      const db = open(file, { busyTimeoutMs: 20 });
      expect(await migrateFreshSqlite(db, SQLITE)).toBe("not-fresh");
      holder.exec("rollback");
      expect(await rows(db, sql`select name from sqlite_master`)).toEqual([]);
    } finally {
      holder.close();
    }
  });
});
