import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import type { DirectSql } from "./compiled-once.js";
import { loadDriver } from "./driver.js";
import { SqliteDialect } from "./kysely.js";
import { KyselyStore } from "./kysely-store.js";

/** `sqlite:./data/soundgate.db`, `sqlite:/abs/path.db` or `sqlite::memory:`. */
export async function openSqliteStore(databaseUrl: string): Promise<KyselyStore> {
  const target = databaseUrl.slice("sqlite:".length);
  if (!target) throw new Error("SOUNDGATE_DATABASE_URL: sqlite: needs a file path or :memory:");
  const inMemory = target === ":memory:";
  const file = inMemory ? ":memory:" : resolve(target);
  const { default: Database } = await loadDriver(
    "better-sqlite3",
    "a sqlite: database",
    () => import("better-sqlite3"),
  );
  if (!inMemory) ownerOnly(file);
  const database = new Database(file);
  // WAL lets readers proceed during a write; synchronous=NORMAL is durable across a
  // process crash in WAL mode; busy_timeout waits for another process's lock instead
  // of failing at once.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  const statements = withStatementCache(database);
  return KyselyStore.open("sqlite", new SqliteDialect({ database: statements }), {
    direct: directSql(database),
  });
}

/**
 * The hot statements run straight on the connection (compiled-once.ts), their rows read
 * as arrays: better-sqlite3 builds a row object key by key, and the store then copied it
 * under camelCase keys; an array, mapped once by the store, costs half of that. Raw mode
 * is a prepared statement's own setting, so these have a cache of their own.
 */
function directSql(database: BetterSqlite3.Database, limit = 64): DirectSql {
  const cache = new Map<string, { statement: BetterSqlite3.Statement; columns: string[] }>();
  return {
    run(sqlText, parameters) {
      let entry = cache.get(sqlText);
      if (!entry) {
        const statement = database.prepare(sqlText);
        const columns = statement.reader
          ? statement
              .raw(true)
              .columns()
              .map((c) => c.name)
          : [];
        entry = { statement, columns };
        if (cache.size >= limit) cache.clear();
        cache.set(sqlText, entry);
      }
      const { statement, columns } = entry;
      if (statement.reader) return { columns, rows: statement.all(...parameters) as unknown[][] };
      statement.run(...parameters);
      return { columns, rows: [] };
    },
  };
}

/**
 * The database holds sessions, flows and sealed tokens: only its owner may read it. The
 * file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database file's mode), in a new directory 0700; files an older version left readable
 * by others are narrowed.
 */
function ownerOnly(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (!existsSync(path) || (statSync(path).mode & 0o077) === 0) continue;
    try {
      chmodSync(path, 0o600);
    } catch {
      // Not ours to change (another owner): SQLite will say so if it cannot open it.
    }
  }
}

/**
 * Kysely prepares every query afresh; the gateway runs a small fixed set of statements,
 * so reuse the prepared ones (bounded, in case a caller builds SQL dynamically).
 */
function withStatementCache(database: BetterSqlite3.Database, limit = 256) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare: (sqlText: string) => {
      let statement = cache.get(sqlText);
      if (!statement) {
        statement = database.prepare(sqlText);
        if (cache.size >= limit) cache.clear();
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}
