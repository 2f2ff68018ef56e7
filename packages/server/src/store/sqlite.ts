import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { KyselyStore } from "./kysely-store.js";
import { sqliteMigrations } from "./migrations-sqlite.js";
import type { Database } from "./schema.js";

/** `sqlite:./data/soundgate.db`, `sqlite:/abs/path.db` or `sqlite::memory:`. */
export async function openSqliteStore(databaseUrl: string): Promise<KyselyStore> {
  const target = databaseUrl.slice("sqlite:".length);
  if (!target) throw new Error("SOUNDGATE_DATABASE_URL: sqlite: needs a file path or :memory:");
  const inMemory = target === ":memory:";
  const file = inMemory ? ":memory:" : resolve(target);
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  // WAL lets readers proceed during a write; synchronous=NORMAL is durable across a
  // process crash in WAL mode; busy_timeout waits for another process's lock instead
  // of failing at once.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  await KyselyStore.migrate(db, sqliteMigrations);
  return new KyselyStore(db, "sqlite");
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
