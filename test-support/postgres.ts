// A throwaway PostgreSQL database per test file, on the server at 127.0.0.1:5432 (trust
// auth). Under CI=true a missing server fails the run; elsewhere tests that need it are
// skipped with a printed reason.
import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN_URL =
  process.env.SOUNDGATE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// Several runs may share one server: each can keep to its own names.
const DATABASE_PREFIX = /^[a-z_][a-z0-9_]{0,30}$/.test(
  process.env.SOUNDGATE_TEST_DATABASE_PREFIX ?? "",
)
  ? (process.env.SOUNDGATE_TEST_DATABASE_PREFIX as string)
  : "soundgate_test_";

let skipReason: string | undefined;

/** Why the last createTestDatabase() returned no database (outside CI), if it did. */
export function postgresSkipReason(): string | undefined {
  return skipReason;
}

export interface TestDatabase {
  url: string;
  /** One statement on a connection of its own (not a gateway's pool): the rows. */
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await admin.connect();
  } catch (error) {
    const reason = `PostgreSQL is not reachable at ${new URL(ADMIN_URL).host}: ${(error as Error).message}`;
    const ci = process.env.CI;
    if (ci && ci !== "false" && ci !== "0") throw new Error(`${reason} (required under CI)`);
    console.warn(`skipping Postgres tests: ${reason}`);
    skipReason = reason;
    return undefined;
  }
  const name = `${DATABASE_PREFIX}${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async query(text, values = []) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
