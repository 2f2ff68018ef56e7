import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { KyselyStore } from "./kysely-store.js";
import { postgresMigrations } from "./migrations-postgres.js";
import type { Database } from "./schema.js";

const INT8_OID = 20;

/** `postgres://user@host:5432/db`. Migrations run on open; safe with several instances starting at once. */
export async function openPostgresStore(
  databaseUrl: string,
  options: { poolSize?: number } = {},
): Promise<KyselyStore> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    // Times are bigint milliseconds; they fit in a double for the next 285,000 years.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as never,
    },
  });
  // An idle client's error (the server restarted) must not crash the process; the pool
  // drops that client and the next query gets a fresh one.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await KyselyStore.migrate(db, postgresMigrations);
  return new KyselyStore(db, "postgres");
}
