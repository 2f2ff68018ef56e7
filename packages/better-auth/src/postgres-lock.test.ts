// postgresLock on a real PostgreSQL server when the server ends the lock's own connection
// while the work runs (a restart, a failover, pg_terminate_backend).

import { test } from "@soundgate/test-support/fixtures";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { postgresLock } from "./postgres-lock.js";

let database: TestDatabase | undefined;
let pool: pg.Pool;

// The file's Postgres database (dropped after the file), or none: the tests skip.
test.beforeAll(({ maybePostgres }) => {
  database = maybePostgres;
  if (database) pool = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
});

/** The backend holding (or waiting on) an advisory lock in this database. */
async function lockHolder(db: TestDatabase): Promise<number> {
  const rows = await db.query(
    `select pid from pg_stat_activity
     where datname = current_database() and query like '%pg_advisory_xact_lock%'
       and pid <> pg_backend_pid()`,
  );
  expect(rows).toHaveLength(1);
  return rows[0]?.pid as number;
}

it("keeps the app up when the lock's connection is ended mid-work; the work's answer stands and the key is free again", async (context) => {
  const db = database;
  if (!db) return context.skip();
  const lock = postgresLock(pool);
  const answer = await lock("account:1", async () => {
    await db.query("select pg_terminate_backend($1)", [await lockHolder(db)]);
    // Long enough for the dead socket's 'error' event to fire while the client is out.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return "rotated and stored";
  });
  expect(answer).toBe("rotated and stored");
  // The lock died with its connection: the next holder gets it at once, on a new connection.
  expect(await lock("account:1", async () => "next")).toBe("next");
  expect(pool.totalCount).toBeLessThanOrEqual(2);
});

it("hands the work's own error back after releasing the lock", async (context) => {
  if (!database) return context.skip();
  const lock = postgresLock(pool);
  await expect(
    lock("account:2", async () => {
      throw new Error("invalid_grant");
    }),
  ).rejects.toThrow("invalid_grant");
  expect(await lock("account:2", async () => "free")).toBe("free");
});
